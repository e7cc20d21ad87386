/*
** Interval maps: the one abstraction behind every translation and routing
** table in a fabric.
**
** A switch port's base/limit windows, bus-number ranges, NTB direct windows
** and LUT entries, requester-ID translation, IOMMU page tables and a VM's
** EPT are all maps from ranges of one address (or ID) domain to ranges of
** another, with permissions.  The datapath looks addresses up here; the
** isolation checker walks the same entries symbolically.  One structure, two
** uses: what is timed is what is checked.
**
** Ranges are closed, [lo, hi], so that the whole 64-bit space is
** expressible.  Entries never overlap.  An entry translates linearly:
** out = target + (in - lo).  `page_shift` records the granularity the
** hardware uses for the range (12 for 4 KiB PTEs, 21 for 2 MiB, 30 for
** 1 GiB, 0 when the table is not paged), so that one entry can stand for a
** run of uniform page-table entries and timing models (IOTLB, walks) still
** see pages.
*/
#ifndef LADON_IMAP_H
#define LADON_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ladon/error.h"
#include "ladon/export.h"

LADON_BEGIN_DECLS

/* Permission bits of an entry and of an access. */
enum {
  LADON_IMAP_R = 1u << 0, /* read (and non-posted requests in general) */
  LADON_IMAP_W = 1u << 1, /* write */
  LADON_IMAP_X = 1u << 2, /* execute (EPT) */
  LADON_IMAP_RW = LADON_IMAP_R | LADON_IMAP_W,
  LADON_IMAP_RWX = LADON_IMAP_R | LADON_IMAP_W | LADON_IMAP_X
};

/* A value: one row of a table. */
typedef struct ladon_imap_entry {
  uint64_t lo;            /* first input address of the range */
  uint64_t hi;            /* last input address of the range (inclusive) */
  uint64_t target;        /* output address of `lo` */
  uint32_t target_domain; /* domain the output addresses belong to */
  uint32_t perms;         /* LADON_IMAP_* bits */
  uint32_t page_shift;    /* hardware granularity, 0 = not paged */
  uint32_t id;            /* the table's own row number, for reports */
  uint64_t user;          /* owner's datum (a port index, a VF...) */
} ladon_imap_entry;

typedef struct ladon_imap ladon_imap;

/*
** Creates an empty map named `name` (copied; used in messages, e.g.
** "ch1.ntb.lut") whose inputs belong to `domain`.  Returns a new map owned
** by the caller, or NULL when out of memory.
*/
LADON_API ladon_imap *ladon_imap_new(const char *name, uint32_t domain);

/* Frees the map.  NULL is a no-op. */
LADON_API void ladon_imap_free(ladon_imap *map);

/* The map's name (borrowed) and input domain. */
LADON_API const char *ladon_imap_name(const ladon_imap *map);
LADON_API uint32_t ladon_imap_domain(const ladon_imap *map);

/*
** Adds a copy of `entry`.  Fails with LADON_EINVAL when lo > hi, when
** target + (hi - lo) overflows, or when lo, hi + 1 and target are not
** aligned to 1 << page_shift; with LADON_EEXIST when the range overlaps an
** existing entry (the message names both).  `err` may be NULL.
*/
LADON_API ladon_status ladon_imap_insert(ladon_imap *map,
                                         const ladon_imap_entry *entry,
                                         ladon_error *err);

/*
** Removes every input address in [lo, hi] from the map, trimming or
** splitting entries that stick out of the range.  Returns the number of
** entries touched (0 when nothing was mapped there).  A split that would
** leave a piece not aligned to its page size is still performed: unmapping
** part of a large page is the caller's decision.
*/
LADON_API size_t ladon_imap_unmap(ladon_imap *map, uint64_t lo, uint64_t hi);

/* Removes every entry. */
LADON_API void ladon_imap_clear(ladon_imap *map);

/*
** The entry containing `addr`, or NULL.  Borrowed: valid until the map is
** next modified.
*/
LADON_API const ladon_imap_entry *ladon_imap_lookup(const ladon_imap *map,
                                                    uint64_t addr);

/* Outcome of ladon_imap_translate(). */
typedef enum ladon_imap_result {
  LADON_IMAP_HIT = 0,    /* the whole access is inside one permitted entry */
  LADON_IMAP_MISS,       /* the first byte is not mapped */
  LADON_IMAP_DENIED,     /* mapped, but without the permission asked for */
  LADON_IMAP_SPLIT       /* starts mapped but runs past the entry's end */
} ladon_imap_result;

/*
** Translates the access [addr, addr + len_bytes - 1] (len_bytes >= 1) that
** needs `perms`.  On LADON_IMAP_HIT sets *out to the translated address.
** Whatever the result, sets *entry (if not NULL) to the entry holding
** `addr` or NULL.  Accesses that wrap around 2^64 are SPLIT.
*/
LADON_API ladon_imap_result ladon_imap_translate(
    const ladon_imap *map, uint64_t addr, uint64_t len_bytes, uint32_t perms,
    uint64_t *out, const ladon_imap_entry **entry);

/* Number of entries, and the i-th in increasing address order (borrowed). */
LADON_API size_t ladon_imap_count(const ladon_imap *map);
LADON_API const ladon_imap_entry *ladon_imap_at(const ladon_imap *map,
                                                size_t i);

/*
** Calls `fn(ctx, entry, lo, hi)` for each entry that intersects [lo, hi],
** in address order, with the intersection [lo', hi'] of the two.  Stops
** early and returns the callback's value when it returns non-zero; returns
** 0 otherwise.  The symbolic checker composes tables with this.
*/
typedef int (*ladon_imap_visit_fn)(void *ctx, const ladon_imap_entry *entry,
                                   uint64_t lo, uint64_t hi);
LADON_API int ladon_imap_visit(const ladon_imap *map, uint64_t lo, uint64_t hi,
                               ladon_imap_visit_fn fn, void *ctx);

LADON_END_DECLS

#endif /* LADON_IMAP_H */
