/*
** Deterministic random numbers: xoshiro256** 1.0 seeded through SplitMix64.
**
** Both algorithms follow the definitions of Blackman and Vigna, "Scrambled
** linear pseudorandom number generators" (ACM TOMS 47(4), 2021) and Steele,
** Lea and Flood, "Fast splittable pseudorandom number generators" (OOPSLA
** 2014); the constants are those of the published reference definitions.
*/
#include <math.h>
#include <stddef.h>

#include "ladon/rng.h"

/* SplitMix64: a Weyl sequence through a 64-bit finaliser. */
static uint64_t splitmix64_next(uint64_t *x) {
  uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline uint64_t rotl64(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

void ladon_rng_seed(ladon_rng *rng, uint64_t seed) {
  if (rng == NULL) return;
  /* SplitMix64 is a bijection of its counter, so four consecutive outputs
  ** are never all zero: every seed gives a valid xoshiro state. */
  uint64_t x = seed;
  for (int i = 0; i < 4; i++) rng->s[i] = splitmix64_next(&x);
}

void ladon_rng_derive(const ladon_rng *parent, uint64_t stream,
                      ladon_rng *out) {
  if (out == NULL) return;
  if (parent == NULL) {
    ladon_rng_seed(out, stream);
    return;
  }
  /* Fold the parent's state and the stream id into one 64-bit seed with the
  ** SplitMix64 finaliser (a bijection per step, so distinct streams of one
  ** parent always give distinct seeds), then seed as usual.  The parent is
  ** only read. */
  uint64_t h = stream;
  for (int i = 0; i < 4; i++) {
    uint64_t x = h ^ parent->s[i];
    h = splitmix64_next(&x);
  }
  ladon_rng_seed(out, h);
}

uint64_t ladon_rng_u64(ladon_rng *rng) {
  uint64_t *s = rng->s;
  const uint64_t result = rotl64(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl64(s[3], 45);
  return result;
}

uint64_t ladon_rng_below(ladon_rng *rng, uint64_t bound) {
  /* Lemire, "Fast random integer generation in an interval" (ACM TOMACS
  ** 29(1), 2019): the high word of x * bound is uniform once the low words
  ** below 2^64 mod bound are rejected. */
  __extension__ typedef unsigned __int128 u128;
  if (bound == 0) return 0;
  u128 m = (u128)ladon_rng_u64(rng) * bound;
  uint64_t low = (uint64_t)m;
  if (low < bound) {
    const uint64_t threshold = (0 - bound) % bound; /* 2^64 mod bound */
    while (low < threshold) {
      m = (u128)ladon_rng_u64(rng) * bound;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

double ladon_rng_double(ladon_rng *rng) {
  /* The top 53 bits, scaled by 2^-53: every value k * 2^-53, k < 2^53. */
  return (double)(ladon_rng_u64(rng) >> 11) * 0x1.0p-53;
}

double ladon_rng_exponential(ladon_rng *rng, double mean) {
  if (!(mean > 0.0)) return 0.0; /* also rejects NaN */
  /* Inversion with v = 1 - u = (k + 1) 2^-53, uniform on (0, 1] and exact,
  ** so the logarithm is finite.  log() is several times faster than
  ** log1p() in glibc, and v is exact, so nothing is lost. */
  double v = (double)((ladon_rng_u64(rng) >> 11) + 1) * 0x1.0p-53;
  return -mean * log(v);
}

uint64_t ladon_hash_string(const char *s) {
  uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a 64 offset basis */
  if (s == NULL) return h;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= UINT64_C(0x100000001b3); /* FNV 64-bit prime */
  }
  return h;
}
