// Interval maps: the table abstraction every router and translator uses.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "ladon/imap.h"
}

namespace {

ladon_imap_entry E(uint64_t lo, uint64_t hi, uint64_t target, uint32_t perms = LADON_IMAP_RW,
                   uint32_t id = 0, uint32_t page_shift = 0) {
  ladon_imap_entry e{};
  e.lo = lo;
  e.hi = hi;
  e.target = target;
  e.target_domain = 7;
  e.perms = perms;
  e.page_shift = page_shift;
  e.id = id;
  return e;
}

struct Map {
  ladon_imap *m = ladon_imap_new("test.map", 1);
  ~Map() { ladon_imap_free(m); }
};

TEST(Imap, TranslatesLinearlyInsideAnEntry) {
  Map t;
  auto e = E(0x1000, 0x1fff, 0x80000);
  ASSERT_EQ(ladon_imap_insert(t.m, &e, nullptr), LADON_OK);
  uint64_t out = 0;
  const ladon_imap_entry *hit = nullptr;
  EXPECT_EQ(ladon_imap_translate(t.m, 0x1234, 4, LADON_IMAP_W, &out, &hit), LADON_IMAP_HIT);
  EXPECT_EQ(out, 0x80234u);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->target_domain, 7u);
  // The edges are inside; one byte outside on either side is not.
  EXPECT_EQ(ladon_imap_translate(t.m, 0x1000, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_HIT);
  EXPECT_EQ(out, 0x80000u);
  EXPECT_EQ(ladon_imap_translate(t.m, 0x1fff, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_HIT);
  EXPECT_EQ(out, 0x80fffu);
  EXPECT_EQ(ladon_imap_translate(t.m, 0x0fff, 1, LADON_IMAP_R, &out, &hit), LADON_IMAP_MISS);
  EXPECT_EQ(hit, nullptr);
  EXPECT_EQ(ladon_imap_translate(t.m, 0x2000, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_MISS);
}

TEST(Imap, ReportsDeniedAndSplitAccesses) {
  Map t;
  auto ro = E(0x0, 0xfff, 0x10000, LADON_IMAP_R, 3);
  ASSERT_EQ(ladon_imap_insert(t.m, &ro, nullptr), LADON_OK);
  const ladon_imap_entry *hit = nullptr;
  EXPECT_EQ(ladon_imap_translate(t.m, 0x10, 4, LADON_IMAP_W, nullptr, &hit), LADON_IMAP_DENIED);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->id, 3u);
  // Runs past the entry's end, even though the next range is mapped too.
  auto next = E(0x1000, 0x1fff, 0x20000, LADON_IMAP_R, 4);
  ASSERT_EQ(ladon_imap_insert(t.m, &next, nullptr), LADON_OK);
  EXPECT_EQ(ladon_imap_translate(t.m, 0xff0, 0x20, LADON_IMAP_R, nullptr, nullptr), LADON_IMAP_SPLIT);
  // Wrapping around 2^64 is split, not a hit.
  auto top = E(UINT64_MAX - 0xfff, UINT64_MAX, 0, LADON_IMAP_R, 5);
  ASSERT_EQ(ladon_imap_insert(t.m, &top, nullptr), LADON_OK);
  EXPECT_EQ(ladon_imap_translate(t.m, UINT64_MAX - 3, 8, LADON_IMAP_R, nullptr, nullptr),
            LADON_IMAP_SPLIT);
  EXPECT_EQ(ladon_imap_translate(t.m, UINT64_MAX - 3, 4, LADON_IMAP_R, nullptr, nullptr),
            LADON_IMAP_HIT);
}

TEST(Imap, RejectsOverlapNamingBothEntries) {
  Map t;
  auto a = E(0x1000, 0x1fff, 0, LADON_IMAP_RW, 1);
  auto b = E(0x1800, 0x27ff, 0, LADON_IMAP_RW, 2);
  ASSERT_EQ(ladon_imap_insert(t.m, &a, nullptr), LADON_OK);
  ladon_error err;
  ladon_error_clear(&err);
  EXPECT_EQ(ladon_imap_insert(t.m, &b, &err), LADON_EEXIST);
  EXPECT_EQ(err.code, LADON_EEXIST);
  std::string text = err.text;
  EXPECT_NE(text.find("test.map"), std::string::npos) << text;
  EXPECT_NE(text.find("entry 2"), std::string::npos) << text;
  EXPECT_NE(text.find("entry 1"), std::string::npos) << text;
  EXPECT_EQ(ladon_imap_count(t.m), 1u);
  // Touching but not overlapping is fine on both sides.
  auto below = E(0x0, 0xfff, 0);
  auto above = E(0x2000, 0x2fff, 0);
  EXPECT_EQ(ladon_imap_insert(t.m, &below, nullptr), LADON_OK);
  EXPECT_EQ(ladon_imap_insert(t.m, &above, nullptr), LADON_OK);
  EXPECT_EQ(ladon_imap_count(t.m), 3u);
}

TEST(Imap, RejectsMisalignedPagesEmptyRangesAndOverflow) {
  Map t;
  auto misaligned = E(0x1000, 0x1fff, 0x800, LADON_IMAP_RW, 0, 12);
  EXPECT_EQ(ladon_imap_insert(t.m, &misaligned, nullptr), LADON_EINVAL);
  auto short_page = E(0x200000, 0x2fffff, 0x200000, LADON_IMAP_RW, 0, 21);
  EXPECT_EQ(ladon_imap_insert(t.m, &short_page, nullptr), LADON_EINVAL);
  auto huge = E(0x200000, 0x3fffff, 0x400000, LADON_IMAP_RW, 0, 21);
  EXPECT_EQ(ladon_imap_insert(t.m, &huge, nullptr), LADON_OK);
  auto empty = E(0x10, 0x0f, 0);
  EXPECT_EQ(ladon_imap_insert(t.m, &empty, nullptr), LADON_EINVAL);
  auto overflow = E(0x0, 0xff, UINT64_MAX - 0x10);
  EXPECT_EQ(ladon_imap_insert(t.m, &overflow, nullptr), LADON_EINVAL);
  EXPECT_EQ(ladon_imap_count(t.m), 1u);
}

TEST(Imap, UnmapTrimsAndSplitsKeepingTranslation) {
  Map t;
  auto e = E(0x0, 0xffff, 0x100000, LADON_IMAP_RW, 9);
  ASSERT_EQ(ladon_imap_insert(t.m, &e, nullptr), LADON_OK);
  EXPECT_EQ(ladon_imap_unmap(t.m, 0x4000, 0x4fff), 1u);
  ASSERT_EQ(ladon_imap_count(t.m), 2u);
  uint64_t out = 0;
  EXPECT_EQ(ladon_imap_translate(t.m, 0x3fff, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_HIT);
  EXPECT_EQ(out, 0x103fffu);
  EXPECT_EQ(ladon_imap_translate(t.m, 0x4000, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_MISS);
  EXPECT_EQ(ladon_imap_translate(t.m, 0x5000, 1, LADON_IMAP_R, &out, nullptr), LADON_IMAP_HIT);
  EXPECT_EQ(out, 0x105000u);
  EXPECT_EQ(ladon_imap_at(t.m, 1)->id, 9u);
  EXPECT_EQ(ladon_imap_unmap(t.m, 0x0, 0xffff), 2u);
  EXPECT_EQ(ladon_imap_count(t.m), 0u);
  EXPECT_EQ(ladon_imap_unmap(t.m, 0x0, 0xffff), 0u);
}

struct Visit {
  std::vector<std::array<uint64_t, 3>> seen;  // id, lo, hi
};

int record(void *ctx, const ladon_imap_entry *e, uint64_t lo, uint64_t hi) {
  static_cast<Visit *>(ctx)->seen.push_back({e->id, lo, hi});
  return 0;
}

TEST(Imap, VisitClipsToTheQueriedRangeInOrder) {
  Map t;
  for (uint32_t i = 0; i < 4; i++) {
    auto e = E(i * 0x1000u, i * 0x1000u + 0x7ff, 0, LADON_IMAP_RW, i);
    ASSERT_EQ(ladon_imap_insert(t.m, &e, nullptr), LADON_OK);
  }
  Visit v;
  EXPECT_EQ(ladon_imap_visit(t.m, 0x400, 0x2100, record, &v), 0);
  ASSERT_EQ(v.seen.size(), 3u);
  EXPECT_EQ(v.seen[0], (std::array<uint64_t, 3>{0, 0x400, 0x7ff}));
  EXPECT_EQ(v.seen[1], (std::array<uint64_t, 3>{1, 0x1000, 0x17ff}));
  EXPECT_EQ(v.seen[2], (std::array<uint64_t, 3>{2, 0x2000, 0x2100}));
}

// Against a brute-force model of a 2 KiB address space: random inserts and
// unmaps, then every address is looked up in both.
TEST(Imap, MatchesABruteForceModelUnderRandomEdits) {
  constexpr uint64_t kSpace = 2048;
  std::mt19937_64 rng(20261127);
  for (int round = 0; round < 50; round++) {
    Map t;
    std::array<int64_t, kSpace> model;  // translated address or -1
    model.fill(-1);
    for (int op = 0; op < 200; op++) {
      uint64_t lo = rng() % kSpace, len = 1 + rng() % 64;
      uint64_t hi = std::min(lo + len - 1, kSpace - 1);
      if (rng() % 3) {
        uint64_t target = (rng() % 1000) * 4096;
        auto e = E(lo, hi, target, LADON_IMAP_RW, op);
        bool free_range = true;
        for (uint64_t a = lo; a <= hi; a++) free_range &= model[a] < 0;
        ladon_status st = ladon_imap_insert(t.m, &e, nullptr);
        ASSERT_EQ(st, free_range ? LADON_OK : LADON_EEXIST);
        if (free_range)
          for (uint64_t a = lo; a <= hi; a++) model[a] = int64_t(target + (a - lo));
      } else {
        ladon_imap_unmap(t.m, lo, hi);
        for (uint64_t a = lo; a <= hi; a++) model[a] = -1;
      }
    }
    for (uint64_t a = 0; a < kSpace; a++) {
      uint64_t out = 0;
      auto r = ladon_imap_translate(t.m, a, 1, LADON_IMAP_R, &out, nullptr);
      if (model[a] < 0) {
        ASSERT_EQ(r, LADON_IMAP_MISS) << "addr " << a;
      } else {
        ASSERT_EQ(r, LADON_IMAP_HIT) << "addr " << a;
        ASSERT_EQ(out, uint64_t(model[a])) << "addr " << a;
      }
    }
    // Entries stay sorted and disjoint.
    for (size_t i = 1; i < ladon_imap_count(t.m); i++)
      ASSERT_LT(ladon_imap_at(t.m, i - 1)->hi, ladon_imap_at(t.m, i)->lo);
  }
}

}  // namespace
