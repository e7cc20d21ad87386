/*
** Host memory: a sparse byte store and a timing model of its channels.
**
** Addresses here are DRAM offsets, 0 .. size - 1; the host maps its
** physical address space (with the PCI hole below 4 GiB) onto them.
**
** Functional part.  Pages of LADON__MEMORY_PAGE_BYTES are allocated on the
** first write that touches them; memory never written reads as zero.  Tests
** see exactly which bytes a DMA changed, and a 16 GiB host costs only the
** pages that were written.
**
** Timing part.  Memory is `channels` independent servers, interleaved at
** cache-line granularity (line L is served by channel L mod channels).  An
** access occupies the channel of every 64-byte line it touches for
** line_bytes / (bandwidth / channels) -- DRAM moves whole lines -- in FIFO
** order, and its data is ready `latency` after the last of its lines has
** been served.  Channel occupancy is kept as an exact fraction of a
** picosecond, so a saturated channel delivers exactly its bandwidth over
** any run length.
*/
#ifndef LADON_MODELS_MEMORY_H
#define LADON_MODELS_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/sim.h"

/* Granularity of the sparse store (not a timing parameter). */
#define LADON__MEMORY_PAGE_BYTES 4096u
/* Cache line: the unit of channel interleaving and of DRAM transfers. */
#define LADON__MEMORY_LINE_BYTES 64u
/* Most channels a memory may have. */
#define LADON__MEMORY_MAX_CHANNELS 64u

typedef struct ladon__memory ladon__memory;

typedef struct ladon__memory_config {
  uint64_t size_bytes;            /* > 0, a multiple of the page size */
  ladon_time_ps latency_ps;       /* access latency after service */
  uint64_t bandwidth_bytes_per_s; /* total over all channels, > 0 */
  uint32_t channels;              /* 1 .. LADON__MEMORY_MAX_CHANNELS */
} ladon__memory_config;

/*
** Creates a memory named `name` (copied; used in messages).  Returns a new
** memory owned by the caller, or NULL with `err` filled: LADON_EINVAL for
** a zero or unaligned size, zero bandwidth, or a channel count out of
** range (the message names the parameter); LADON_ENOMEM.
*/
ladon__memory *ladon__memory_new(const char *name,
                                 const ladon__memory_config *cfg,
                                 ladon_error *err);

/* Frees the memory and every page.  NULL is a no-op. */
void ladon__memory_free(ladon__memory *mem);

/* The configuration the memory was made with (borrowed). */
const ladon__memory_config *ladon__memory_config_of(const ladon__memory *mem);

/* ---- functional store ---- */

/*
** Copies `n` bytes from `src` to DRAM offset `addr`.  LADON_ERANGE (nothing
** written) when [addr, addr + n) is not inside the memory; LADON_ENOMEM
** when a page cannot be allocated (bytes before it are written).
*/
ladon_status ladon__memory_write(ladon__memory *mem, uint64_t addr,
                                 const void *src, size_t n);

/*
** Copies `n` bytes at DRAM offset `addr` into `dst`; unwritten bytes read
** as zero.  LADON_ERANGE (nothing copied) outside the memory.
*/
ladon_status ladon__memory_read(const ladon__memory *mem, uint64_t addr,
                                void *dst, size_t n);

/* Pages allocated so far (each LADON__MEMORY_PAGE_BYTES). */
size_t ladon__memory_pages(const ladon__memory *mem);

/* ---- timing ---- */

/*
** Serves an access of `bytes` (>= 1; 0 counts as one byte) at DRAM offset
** `addr` that reaches the memory at time `now`, and returns the time its
** data is ready (reads) or written (writes): the end of the last line's
** service, rounded up to a whole picosecond, plus the latency.  Accesses
** must be presented in non-decreasing `now` order.
*/
ladon_time_ps ladon__memory_access(ladon__memory *mem, ladon_time_ps now,
                                   uint64_t addr, uint32_t bytes);

/*
** Picoseconds one line occupies a channel, as an exact fraction
** num / den (den = bandwidth in bytes per second): for tests and docs.
*/
void ladon__memory_line_cost(const ladon__memory *mem, uint64_t *num,
                             uint64_t *den);

/* Lines served and bytes accessed since creation. */
uint64_t ladon__memory_lines(const ladon__memory *mem);
uint64_t ladon__memory_bytes(const ladon__memory *mem);

#endif /* LADON_MODELS_MEMORY_H */
