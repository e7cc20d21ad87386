/*
** A function's DMA engine: turns transfers (read or write N bytes at an
** address of the function's DMA address space) into memory request TLPs
** that obey the function's Device Control settings, tracks tags, and
** reassembles read completions.
**
** Rules it applies (PCIe Base 5.0):
**   - a read request asks for at most Max_Read_Request_Size bytes and a
**     write carries at most Max_Payload_Size (§7.5.3.4, §2.2.2); requests
**     end at naturally aligned multiples of that size, so none crosses a
**     4 KiB boundary (§2.2.7) -- both sizes divide 4096;
**   - addresses below 4 GiB use the 3 DW header (§2.2.4.1);
**   - at most `max_tags` non-posted requests are outstanding, and never
**     more than the tag field allows: 32 tags (5-bit) without Extended Tag
**     Field Enable, 256 with it, 768 with 10-Bit Tag Requester Enable
**     (Tag[9:8] = 00b is not used, §2.2.6.2);
**   - a read's completions are matched by tag and checked in order: Lower
**     Address is the address of the next byte expected, Byte Count the
**     bytes still to come, and a completion that does not finish the
**     request ends on a 64-byte aligned address (the smallest Read
**     Completion Boundary, §2.3.1.1); a violation ends the request with
**     an error (Malformed / Unexpected Completion, §2.3.2);
**   - UR and CA completions end the request with an error (§2.3.2); a
**     request with no completion within the completion timeout ends with
**     a timeout error and frees its tag (§2.8); a completion whose tag is
**     not outstanding is an Unexpected Completion and is dropped.
**
** The engine does not own a port: its owner (the SR-IOV endpoint) pulls
** TLPs with ladon__dma_issue() when its egress has room and the engine is
** ready, and hands it completions with ladon__dma_complete().  Reads and
** writes wait in two queues, served round-robin, so that a read waiting
** for a tag does not hold back writes (posted requests may pass
** non-posted ones anyway, §2.4.1); within each queue, order is kept.
*/
#ifndef LADON_MODELS_DMA_H
#define LADON_MODELS_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/sim.h"
#include "ladon/stats.h"
#include "ladon/tlp.h"

typedef struct ladon__dma ladon__dma;

typedef enum ladon__dma_op { LADON__DMA_READ = 0, LADON__DMA_WRITE = 1 } ladon__dma_op;

/* How a transfer ended. */
typedef enum ladon__dma_status {
  LADON__DMA_OK = 0,
  LADON__DMA_UR,        /* a completion had status Unsupported Request */
  LADON__DMA_CA,        /* ... Completer Abort */
  LADON__DMA_TIMEOUT,   /* a request's completion timed out (§2.8) */
  LADON__DMA_MALFORMED, /* a completion broke §2.3.1.1 (or CRS for memory) */
  LADON__DMA_TXFAIL     /* the link refused a request TLP */
} ladon__dma_status;

/* The engine's fixed configuration. */
typedef struct ladon__dma_config {
  uint32_t max_tags;            /* outstanding non-posted requests, >= 1 */
  ladon_time_ps cpl_timeout_ps; /* completion timeout, > 0 */
  bool payloads;                /* carry write data (functional mode) */
  /* Called when the engine may have a TLP ready (after a submit, a freed
  ** tag, a settings change).  Runs inside the engine's calls: it must only
  ** schedule, never call back into the engine. */
  void (*kick)(void *ctx);
  void *kick_ctx;
} ladon__dma_config;

/* What the function's configuration says now. */
typedef struct ladon__dma_settings {
  uint16_t rid;         /* Requester ID */
  uint32_t mps_bytes;   /* Max_Payload_Size, 128..4096 */
  uint32_t mrrs_bytes;  /* Max_Read_Request_Size, 128..4096 */
  bool ext_tag;         /* Extended Tag Field Enable */
  bool tag10;           /* 10-Bit Tag Requester Enable */
  bool bus_master;      /* Command Bus Master Enable: may issue at all */
} ladon__dma_settings;

/* The outcome of a transfer, passed to its callback. */
typedef struct ladon__dma_result {
  uint64_t cookie;
  ladon__dma_op op;
  uint64_t addr;
  uint32_t bytes;
  uint32_t tlps;               /* request TLPs issued */
  ladon_time_ps t_submit_ps;   /* ladon__dma_submit() */
  ladon_time_ps t_first_ps;    /* first request TLP issued */
  ladon_time_ps t_done_ps;     /* reads: last completion; writes: last
                                  TLP's serialisation ended at the device */
  ladon__dma_status status;
} ladon__dma_result;

typedef void (*ladon__dma_done_fn)(void *ctx, const ladon__dma_result *r);

/* One transfer. */
typedef struct ladon__dma_xfer {
  ladon__dma_op op;
  uint64_t addr;
  uint32_t bytes;            /* >= 1 */
  uint8_t *read_buf;         /* reads: where completion data goes (borrowed
                                until the callback), NULL to discard */
  const uint8_t *write_data; /* writes: `bytes` bytes, copied at submit;
                                NULL sends zeros (with payloads) */
  uint32_t flow;             /* copied into every TLP */
  bool msi;                  /* an MSI/MSI-X message (counted apart) */
  ladon__dma_done_fn done;   /* may be NULL */
  void *ctx;
  uint64_t cookie;
} ladon__dma_xfer;

/*
** Creates an engine.  Statistics are registered as NAME.reads,
** NAME.writes (request TLPs), NAME.read_bytes, NAME.write_bytes,
** NAME.msgs (MSI-X writes), NAME.cpl_ur, NAME.cpl_ca, NAME.cpl_timeouts,
** NAME.cpl_malformed and NAME.cpl_unexpected.  Returns NULL with `err`
** filled for a zero tag limit or timeout (LADON_EINVAL), or LADON_ENOMEM.
*/
ladon__dma *ladon__dma_new(ladon_sim *sim, const char *name, const ladon__dma_config *cfg,
                           ladon_error *err);

/* Frees the engine; pending transfers are dropped without callbacks. */
void ladon__dma_free(ladon__dma *dma);

/*
** Applies the function's current settings.  The Requester ID, sizes and
** Bus Master Enable take effect for the next TLP; a new tag space only once
** no request is outstanding (tags in flight keep their meaning).
*/
void ladon__dma_set(ladon__dma *dma, const ladon__dma_settings *s);
const ladon__dma_settings *ladon__dma_get(const ladon__dma *dma);

/* The tag limit now in force: min(max_tags, the tag field's size). */
uint32_t ladon__dma_tag_limit(const ladon__dma *dma);

/*
** Queues a transfer.  Returns LADON_OK, LADON_EINVAL for zero bytes, an
** address range that wraps past 2^64, or a NULL argument, LADON_ENOMEM.
*/
ladon_status ladon__dma_submit(ladon__dma *dma, const ladon__dma_xfer *x, ladon_error *err);

/*
** Whether a TLP can be issued now, and of which flow-control class: a
** write, or a read with a free tag; nothing while Bus Master Enable is
** clear.
*/
bool ladon__dma_ready(const ladon__dma *dma, ladon_tlp_class *cls);

/*
** Builds and returns the next request TLP (owned by the caller, who sends
** it), or NULL when not ready.  Must be followed by ladon__dma_commit()
** before any other engine call: `t_end_ps` is when the TLP has left the
** device's transmit path (a write transfer is done then), and `sent` says
** whether the link took it (if not, the request ends with
** LADON__DMA_TXFAIL and the caller frees the TLP).
*/
ladon_tlp *ladon__dma_issue(ladon__dma *dma);
void ladon__dma_commit(ladon__dma *dma, ladon_time_ps t_end_ps, bool sent);

/*
** ladon__dma_commit() for an owner whose own event at `t_end_ps` will be
** the next one scheduled (right after this call, nothing scheduled in
** between) and calls ladon__dma_end() first thing: a write transfer this
** TLP ends is then ended by that call instead of an event of its own.
** The two events would run back to back, so the order of everything is
** the same, with one kernel event less per write transfer.
*/
void ladon__dma_commit_held(ladon__dma *dma, ladon_time_ps t_end_ps, bool sent);
/* Ends the write transfer ladon__dma_commit_held() held, if any. */
void ladon__dma_end(ladon__dma *dma);

/*
** Takes a completion addressed to this function (borrowed: only read).
** Unexpected ones are counted and ignored.
*/
void ladon__dma_complete(ladon__dma *dma, const ladon_tlp *cpl);

/* Non-posted requests outstanding now, and transfers not yet finished. */
uint32_t ladon__dma_outstanding(const ladon__dma *dma);
uint32_t ladon__dma_pending(const ladon__dma *dma);

/* Counter values (also in the statistics registry). */
typedef struct ladon__dma_counts {
  uint64_t reads, writes, read_bytes, write_bytes, msgs;
  uint64_t cpl_ur, cpl_ca, cpl_timeouts, cpl_malformed, cpl_unexpected;
  uint32_t max_outstanding; /* most requests ever outstanding at once */
} ladon__dma_counts;
void ladon__dma_counts_get(const ladon__dma *dma, ladon__dma_counts *out);

/* The request size limit for `op`: requests end at multiples of it. */
static inline uint32_t ladon__dma_chunk(uint64_t addr, uint32_t left, uint32_t limit) {
  uint64_t to_boundary = limit - (addr & (uint64_t)(limit - 1u));
  return to_boundary < left ? (uint32_t)to_boundary : left;
}

#endif /* LADON_MODELS_DMA_H */
