/*
** Symbol visibility for libladon.
**
** The library is built with -fvisibility=hidden; only declarations marked
** LADON_API are exported from the shared object.  A test diffs `nm -D`
** against tests/data/exported-symbols.txt so nothing leaks by accident.
*/
#ifndef LADON_EXPORT_H
#define LADON_EXPORT_H

#if defined(LADON_BUILDING) && defined(__GNUC__)
#define LADON_API __attribute__((visibility("default")))
#else
#define LADON_API
#endif

#ifdef __cplusplus
#define LADON_BEGIN_DECLS extern "C" {
#define LADON_END_DECLS }
#else
#define LADON_BEGIN_DECLS
#define LADON_END_DECLS
#endif

#endif /* LADON_EXPORT_H */
