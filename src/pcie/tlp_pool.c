/*
** Per-thread free lists of TLP cells and payload buffers.  A cell is the
** TLP followed by a small header; payload buffers come in power-of-two size
** classes from 16 B to 4 KiB so that a pool warmed up by a workload never
** calls malloc again.
*/
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ladon/tlp_pool.h"

typedef struct cell {
  ladon_tlp tlp;   /* first: a ladon_tlp * is a cell * */
  uint8_t *buf;    /* payload buffer owned by the cell, or NULL */
  struct cell *next_free;
  uint8_t buf_class; /* size class of buf */
} cell;

typedef union buf_node {
  union buf_node *next_free;
  uint8_t bytes[16];
} buf_node;

#define MIN_CLASS_SHIFT 4 /* 16 B */
#define CLASSES 9         /* 16 B .. 4 KiB */

static _Thread_local cell *free_cells;
static _Thread_local buf_node *free_bufs[CLASSES];
static _Thread_local int64_t live;

static unsigned size_class(uint32_t bytes) {
  unsigned c = 0;
  while ((UINT32_C(1) << (c + MIN_CLASS_SHIFT)) < bytes) c++;
  return c;
}

static uint8_t *buf_get(unsigned c) {
  buf_node *n = free_bufs[c];
  if (n != NULL) {
    free_bufs[c] = n->next_free;
    return n->bytes;
  }
  return malloc((size_t)1 << (c + MIN_CLASS_SHIFT));
}

static void buf_put(uint8_t *b, unsigned c) {
  buf_node *n = (buf_node *)(void *)b;
  n->next_free = free_bufs[c];
  free_bufs[c] = n;
}

ladon_tlp *ladon_tlp_alloc(uint32_t payload_bytes) {
  if (payload_bytes > LADON_TLP_PAYLOAD_MAX) return NULL;
  cell *c = free_cells;
  if (c != NULL)
    free_cells = c->next_free;
  else if ((c = malloc(sizeof *c)) == NULL)
    return NULL;
  memset(c, 0, sizeof *c);
  if (payload_bytes > 0) {
    unsigned k = size_class(payload_bytes);
    c->buf = buf_get(k);
    if (c->buf == NULL) {
      c->next_free = free_cells;
      free_cells = c;
      return NULL;
    }
    memset(c->buf, 0, payload_bytes);
    c->buf_class = (uint8_t)k;
    c->tlp.data = c->buf;
    c->tlp.data_bytes = payload_bytes;
  }
  live++;
  return &c->tlp;
}

ladon_tlp *ladon_tlp_clone(const ladon_tlp *tlp) {
  uint32_t n = tlp->data != NULL ? tlp->data_bytes : 0;
  ladon_tlp *copy = ladon_tlp_alloc(n);
  if (copy == NULL) return NULL;
  uint8_t *buf = ladon_tlp_payload(copy);
  *copy = *tlp;
  if (n > 0) {
    memcpy(buf, tlp->data, n);
    copy->data = buf;
  }
  return copy;
}

uint8_t *ladon_tlp_payload(ladon_tlp *tlp) { return ((cell *)tlp)->buf; }

void ladon_tlp_free(ladon_tlp *tlp) {
  if (tlp == NULL) return;
  cell *c = (cell *)tlp;
  if (c->buf != NULL) buf_put(c->buf, c->buf_class);
  c->buf = NULL;
  c->next_free = free_cells;
  free_cells = c;
  live--;
}

ladon_tlp *ladon_tlp_completion_for(const ladon_tlp *req, uint16_t cpl_id,
                                    unsigned status, uint32_t data_dw) {
  ladon_tlp *c = ladon_tlp_alloc(data_dw * 4u);
  if (c == NULL) return NULL;
  bool locked = req->type == LADON_TLP_MRDLK;
  c->type = (uint8_t)(data_dw ? (locked ? LADON_TLP_CPLDLK : LADON_TLP_CPLD)
                              : (locked ? LADON_TLP_CPLLK : LADON_TLP_CPL));
  c->req_id = req->req_id;
  c->tag = req->tag;
  c->tc = req->tc;
  c->attr = req->attr;
  c->cpl_id = cpl_id;
  c->status = (uint8_t)status;
  c->length_dw = (uint16_t)data_dw;
  c->id = req->id;
  c->flow = req->flow;
  c->t_issue_ps = req->t_issue_ps;
  switch (req->type) {
    case LADON_TLP_MRD:
    case LADON_TLP_MRDLK:
    case LADON_TLP_FETCHADD:
    case LADON_TLP_SWAP:
    case LADON_TLP_CAS: {
      uint32_t n = ladon_tlp_request_bytes(req);
      unsigned first = 0;
      while (first < 4 && req->first_be && !(req->first_be >> first & 1u)) first++;
      c->byte_count = (uint16_t)(n ? n : 1u);
      c->lower_addr = (uint8_t)((req->addr & 0x7cu) | (req->first_be ? first : 0u));
      break;
    }
    default:
      c->byte_count = 4;
      c->lower_addr = 0;
      break;
  }
  return c;
}

int64_t ladon_tlp_live(void) { return live; }

void ladon_tlp_pool_trim(void) {
  while (free_cells != NULL) {
    cell *c = free_cells;
    free_cells = c->next_free;
    free(c);
  }
  for (unsigned k = 0; k < CLASSES; k++)
    while (free_bufs[k] != NULL) {
      buf_node *n = free_bufs[k];
      free_bufs[k] = n->next_free;
      free(n);
    }
}
