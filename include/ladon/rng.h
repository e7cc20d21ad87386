/*
** Deterministic random numbers: xoshiro256** 1.0 (Blackman and Vigna,
** "Scrambled linear pseudorandom number generators", ACM TOMS 2021), seeded
** through SplitMix64 so that any 64-bit seed, including 0, gives a good state.
**
** All randomness in a simulation comes from generators derived from the
** simulation's seed; nothing reads the wall clock.  Components take their own
** stream with ladon_rng_derive() so that adding a component does not shift
** the numbers another component sees.
*/
#ifndef LADON_RNG_H
#define LADON_RNG_H

#include <stdint.h>

#include "ladon/export.h"

LADON_BEGIN_DECLS

/* A value: copy it freely.  Use the functions below, not the state. */
typedef struct ladon_rng {
  uint64_t s[4];
} ladon_rng;

/* Seeds `rng` from `seed` with SplitMix64. */
LADON_API void ladon_rng_seed(ladon_rng *rng, uint64_t seed);

/*
** Seeds `out` as an independent stream named by `stream` (for example a hash
** of a component's name) without advancing `parent`.
*/
LADON_API void ladon_rng_derive(const ladon_rng *parent, uint64_t stream,
                                ladon_rng *out);

/* The next 64 random bits. */
LADON_API uint64_t ladon_rng_u64(ladon_rng *rng);

/* Uniform integer in [0, bound), without modulo bias; 0 when bound is 0. */
LADON_API uint64_t ladon_rng_below(ladon_rng *rng, uint64_t bound);

/* Uniform double in [0, 1) with 53 random bits. */
LADON_API double ladon_rng_double(ladon_rng *rng);

/* Exponentially distributed double with the given mean (> 0). */
LADON_API double ladon_rng_exponential(ladon_rng *rng, double mean);

/* 64-bit FNV-1a of a string: a stable stream id for ladon_rng_derive(). */
LADON_API uint64_t ladon_hash_string(const char *s);

LADON_END_DECLS

#endif /* LADON_RNG_H */
