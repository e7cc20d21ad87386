/*
** TLPs in flight: pooled allocation.
**
** Components exchange `ladon_tlp *` pointers, and the receiver of a TLP
** owns it (DESIGN §2): whoever ends a TLP's life -- the memory that
** absorbs a write, the requester that takes its completion, the switch that
** drops an Unsupported Request -- gives it back with ladon_tlp_free().
**
** Cells come from per-thread free lists, so allocation and release cost a
** few instructions, need no handle, and a TLP may be freed by any component
** of the simulation that allocated it.  An optional payload buffer travels
** with the TLP (functional mode: tests can see *which* memory a DMA wrote);
** its bytes are owned by the cell and released with it.
*/
#ifndef LADON_TLP_POOL_H
#define LADON_TLP_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/export.h"
#include "ladon/tlp.h"

LADON_BEGIN_DECLS

/* The largest payload a pooled TLP can carry: 4096 B (Max_Payload_Size). */
#define LADON_TLP_PAYLOAD_MAX 4096u

/*
** Returns a zeroed TLP owned by the caller.  With `payload_bytes` > 0
** (at most LADON_TLP_PAYLOAD_MAX) the TLP also owns a zeroed buffer of that
** many bytes: `data` points at it, `data_bytes` is set, and
** ladon_tlp_payload() gives write access.  Returns NULL when out of memory
** or `payload_bytes` is too large.
*/
LADON_API ladon_tlp *ladon_tlp_alloc(uint32_t payload_bytes);

/*
** Returns a new TLP equal to `tlp`; when `tlp` has a payload (`data` and
** `data_bytes`), the copy owns a copy of the bytes.  NULL when out of
** memory.
*/
LADON_API ladon_tlp *ladon_tlp_clone(const ladon_tlp *tlp);

/*
** The writable payload buffer that the pool gave `tlp`, or NULL when it has
** none.  Borrowed: valid until the TLP is freed.
*/
LADON_API uint8_t *ladon_tlp_payload(ladon_tlp *tlp);

/*
** Gives `tlp` back to the pool, with its payload buffer.  `tlp` must come
** from ladon_tlp_alloc() or ladon_tlp_clone() of the same thread.  NULL is
** a no-op.
*/
LADON_API void ladon_tlp_free(ladon_tlp *tlp);

/*
** Returns a new completion for the non-posted request `req`, completed by
** `cpl_id` with Completion Status `status` and `data_dw` DWs of (zeroed)
** payload: Cpl/CplD, or CplLk/CplDLk for MRdLk.  Requester ID, Tag, TC and
** Attr come from the request (PCIe Base 6.0 §2.2.9); Byte Count and Lower
** Address are those of a single completion for the whole request
** (§2.2.9.1: the request's byte count, 1 for a zero-length read, and the
** address of its first enabled byte; 4 and 0 for I/O, configuration and
** DMWr).  The simulation fields (id, flow, t_issue_ps) follow the request.
** Owned by the caller; NULL when out of memory.
*/
LADON_API ladon_tlp *ladon_tlp_completion_for(const ladon_tlp *req,
                                              uint16_t cpl_id, unsigned status,
                                              uint32_t data_dw);

/* TLPs allocated and not yet freed by this thread (a leak check for tests). */
LADON_API int64_t ladon_tlp_live(void);

/* Returns this thread's cached free cells and buffers to the system. */
LADON_API void ladon_tlp_pool_trim(void);

LADON_END_DECLS

#endif /* LADON_TLP_POOL_H */
