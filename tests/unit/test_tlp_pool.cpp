// Pooled TLP cells: ownership, payload buffers, reuse, leak accounting.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <vector>

extern "C" {
#include "ladon/tlp_pool.h"
}

namespace {

TEST(TlpPool, AllocReturnsZeroedTlpWithOwnedPayload) {
  int64_t before = ladon_tlp_live();
  ladon_tlp *t = ladon_tlp_alloc(64);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(ladon_tlp_live(), before + 1);
  EXPECT_EQ(t->type, LADON_TLP_NONE);
  EXPECT_EQ(t->addr, 0u);
  ASSERT_NE(ladon_tlp_payload(t), nullptr);
  EXPECT_EQ(t->data, ladon_tlp_payload(t));
  EXPECT_EQ(t->data_bytes, 64u);
  for (unsigned i = 0; i < 64; i++) ASSERT_EQ(t->data[i], 0) << i;
  // A dirty cell comes back zeroed.
  std::memset(ladon_tlp_payload(t), 0xab, 64);
  t->addr = 0x1234;
  ladon_tlp_free(t);
  EXPECT_EQ(ladon_tlp_live(), before);
  ladon_tlp *u = ladon_tlp_alloc(64);
  EXPECT_EQ(u->addr, 0u);
  for (unsigned i = 0; i < 64; i++) ASSERT_EQ(u->data[i], 0) << i;
  ladon_tlp_free(u);
}

TEST(TlpPool, NoPayloadMeansNoBuffer) {
  ladon_tlp *t = ladon_tlp_alloc(0);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->data, nullptr);
  EXPECT_EQ(t->data_bytes, 0u);
  EXPECT_EQ(ladon_tlp_payload(t), nullptr);
  ladon_tlp_free(t);
  ladon_tlp_free(nullptr);  // no-op
}

TEST(TlpPool, RejectsPayloadsLargerThanMaxPayloadSize) {
  EXPECT_EQ(ladon_tlp_alloc(LADON_TLP_PAYLOAD_MAX + 1), nullptr);
  ladon_tlp *t = ladon_tlp_alloc(LADON_TLP_PAYLOAD_MAX);
  ASSERT_NE(t, nullptr);
  ladon_tlp_payload(t)[LADON_TLP_PAYLOAD_MAX - 1] = 7;  // ASan checks the size
  ladon_tlp_free(t);
}

TEST(TlpPool, CloneCopiesHeaderAndOwnsItsOwnBytes) {
  uint8_t external[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  ladon_tlp src{};
  src.type = LADON_TLP_MWR;
  src.addr = 0x1000;
  src.length_dw = 2;
  src.data = external;
  src.data_bytes = 8;
  ladon_tlp *c = ladon_tlp_clone(&src);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->type, LADON_TLP_MWR);
  EXPECT_EQ(c->addr, 0x1000u);
  EXPECT_NE(c->data, external);
  EXPECT_EQ(std::memcmp(c->data, external, 8), 0);
  external[0] = 99;  // the copy does not see later changes
  EXPECT_EQ(c->data[0], 1);
  ladon_tlp_free(c);
}

TEST(TlpPool, ReusesCellsInsteadOfGrowing) {
  std::vector<ladon_tlp *> v;
  for (int i = 0; i < 100; i++) v.push_back(ladon_tlp_alloc(256));
  std::set<ladon_tlp *> first(v.begin(), v.end());
  for (auto *t : v) ladon_tlp_free(t);
  v.clear();
  for (int i = 0; i < 100; i++) v.push_back(ladon_tlp_alloc(256));
  for (auto *t : v) EXPECT_TRUE(first.count(t)) << "cell not reused";
  for (auto *t : v) ladon_tlp_free(t);
  ladon_tlp_pool_trim();
}

}  // namespace
