// Host memory: the sparse byte store and the exact timing of its channels.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

extern "C" {
#include "models/memory.h"
}

namespace {

struct Mem {
  ladon__memory *m;
  explicit Mem(uint64_t size, ladon_time_ps lat, uint64_t bw, uint32_t ch) {
    ladon__memory_config c{size, lat, bw, ch};
    m = ladon__memory_new("test", &c, nullptr);
  }
  ~Mem() { ladon__memory_free(m); }
};

}  // namespace

TEST(Memory, UnwrittenMemoryReadsZeroAndCostsNoPages) {
  Mem mem(1ull << 34, 0, 1000000000, 1);  // 16 GiB
  ASSERT_NE(mem.m, nullptr);
  std::vector<uint8_t> buf(10000, 0xaa);
  ASSERT_EQ(ladon__memory_read(mem.m, 0x3fff0000ull, buf.data(), buf.size()),
            LADON_OK);
  for (uint8_t b : buf) ASSERT_EQ(b, 0);
  EXPECT_EQ(ladon__memory_pages(mem.m), 0u);
}

TEST(Memory, WritesLandExactlyWhereTheyWereMadeAcrossPages) {
  Mem mem(1ull << 30, 0, 1000000000, 1);
  std::vector<uint8_t> src(5000);
  for (size_t i = 0; i < src.size(); i++) src[i] = (uint8_t)(i * 7 + 1);
  // 0x1ffe: the write spans the pages at 0x1000, 0x2000 and 0x3000.
  ASSERT_EQ(ladon__memory_write(mem.m, 0x1ffe, src.data(), src.size()),
            LADON_OK);
  EXPECT_EQ(ladon__memory_pages(mem.m), 3u);
  std::vector<uint8_t> back(5004);
  ASSERT_EQ(ladon__memory_read(mem.m, 0x1ffc, back.data(), back.size()),
            LADON_OK);
  EXPECT_EQ(back[0], 0);
  EXPECT_EQ(back[1], 0);
  for (size_t i = 0; i < src.size(); i++) ASSERT_EQ(back[i + 2], src[i]) << i;
  EXPECT_EQ(back[5002], 0);
  EXPECT_EQ(back[5003], 0);
}

TEST(Memory, ManyPagesSurviveTableGrowth) {
  Mem mem(1ull << 32, 0, 1000000000, 1);
  for (uint64_t p = 0; p < 1000; p++) {
    uint64_t v = p * 0x9e3779b97f4a7c15ull;
    ASSERT_EQ(ladon__memory_write(mem.m, p * 0x100000 + 8, &v, 8), LADON_OK);
  }
  EXPECT_EQ(ladon__memory_pages(mem.m), 1000u);
  for (uint64_t p = 0; p < 1000; p++) {
    uint64_t v = 0;
    ASSERT_EQ(ladon__memory_read(mem.m, p * 0x100000 + 8, &v, 8), LADON_OK);
    ASSERT_EQ(v, p * 0x9e3779b97f4a7c15ull);
  }
}

TEST(Memory, AccessesOutsideTheMemoryAreRejectedWithoutEffect) {
  Mem mem(1ull << 20, 0, 1000000000, 1);
  uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(ladon__memory_write(mem.m, (1u << 20) - 4, b, 8), LADON_ERANGE);
  EXPECT_EQ(ladon__memory_pages(mem.m), 0u);
  EXPECT_EQ(ladon__memory_read(mem.m, 1u << 20, b, 1), LADON_ERANGE);
  EXPECT_EQ(ladon__memory_write(mem.m, UINT64_MAX - 2, b, 8), LADON_ERANGE);
  EXPECT_EQ(ladon__memory_write(mem.m, (1u << 20) - 8, b, 8), LADON_OK);
}

TEST(Memory, ImpossibleConfigurationsNameTheParameter) {
  ladon_error err{};
  ladon__memory_config c{1ull << 20, 0, 0, 1};
  EXPECT_EQ(ladon__memory_new("m", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("memory_bandwidth"), std::string::npos);
  c = {1ull << 20, 0, 1000, 0};
  EXPECT_EQ(ladon__memory_new("m", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("memory_channels"), std::string::npos);
  c = {1000, 0, 1000, 1};
  EXPECT_EQ(ladon__memory_new("m", &c, &err), nullptr);
  EXPECT_NE(std::string(err.text).find("'memory'"), std::string::npos);
}

// One 64 B line on one of 4 channels at 68.3 GB/s takes
// 64 * 4 / 68.3e9 s = 3748.17... ps, rounded up to 3749 ps; the data is
// ready that plus the 500 ns latency after the access reaches memory.
TEST(Memory, OneLineCostsItsChannelTimePlusLatency) {
  Mem mem(1ull << 30, 500000, 68300000000ull, 4);
  EXPECT_EQ(ladon__memory_access(mem.m, 1000, 0x40, 64), 1000u + 3749u + 500000u);
  uint64_t num, den;
  ladon__memory_line_cost(mem.m, &num, &den);
  EXPECT_EQ(num, 64ull * 4 * 1000000000000ull);
  EXPECT_EQ(den, 68300000000ull);
}

// Lines are interleaved over channels: a 256 B access at 0 touches lines
// 0..3, one per channel of 4, all served in parallel: one line time.  The
// same access with one channel serves 4 lines in a row.
TEST(Memory, LinesSpreadOverChannels) {
  Mem four(1ull << 30, 0, 4000000000ull, 4);   // 1 GB/s per channel: 64 ns
  EXPECT_EQ(ladon__memory_access(four.m, 0, 0, 256), 64000u);
  Mem one(1ull << 30, 0, 1000000000ull, 1);    // 64 ns per line
  EXPECT_EQ(ladon__memory_access(one.m, 0, 0, 256), 4u * 64000u);
  // A 4-byte access still moves its whole line (DRAM bursts are lines).
  Mem two(1ull << 30, 0, 1000000000ull, 1);
  EXPECT_EQ(ladon__memory_access(two.m, 0, 0x3c, 8), 2u * 64000u);
}

// At saturation the channel is a FIFO server with no drift: at 3 GB/s one
// line takes 64 / 3e9 s = 21333 1/3 ps; 3000 lines issued at time 0 end
// at exactly 3000 * 64 / 3e9 s = 64 us, and the first at ceil(21333.3) ps.
TEST(Memory, SaturatedChannelDeliversExactlyItsBandwidth) {
  Mem mem(1ull << 30, 0, 3000000000ull, 1);
  ladon_time_ps first = ladon__memory_access(mem.m, 0, 0, 64);
  EXPECT_EQ(first, 21334u);
  ladon_time_ps last = first;
  for (int i = 1; i < 3000; i++) last = ladon__memory_access(mem.m, 0, 64u * i, 64);
  EXPECT_EQ(last, 64000000u);
  EXPECT_EQ(ladon__memory_lines(mem.m), 3000u);
  // Idle again afterwards: a new access starts a new busy period.
  EXPECT_EQ(ladon__memory_access(mem.m, 100000000u, 0, 64), 100021334u);
}

// An access that arrives while its channel is busy waits its turn; one that
// arrives after the backlog has drained starts at once.
TEST(Memory, AccessesQueueBehindTheBacklogOfTheirChannel) {
  Mem mem(1ull << 30, 100000, 1000000000ull, 2);  // 128 ns per line
  // Lines 0 and 2 are on channel 0, line 1 on channel 1.
  EXPECT_EQ(ladon__memory_access(mem.m, 0, 0, 64), 128000u + 100000u);
  EXPECT_EQ(ladon__memory_access(mem.m, 10000, 128, 64), 256000u + 100000u);
  EXPECT_EQ(ladon__memory_access(mem.m, 10000, 64, 64), 138000u + 100000u);
  EXPECT_EQ(ladon__memory_access(mem.m, 300000, 0, 64), 428000u + 100000u);
}
