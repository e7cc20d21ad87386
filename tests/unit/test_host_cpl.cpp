// Completion splitting of DMA reads (PCIe Base 5.0 §2.3.1.1, §2.2.9): where
// completions split, and their Byte Count and Lower Address fields, from
// the spec's rules written out for each case.
#include <gtest/gtest.h>

#include <vector>

extern "C" {
#include "models/host_int.h"
}

namespace {

ladon_tlp mrd(uint64_t addr, uint32_t bytes) {
  ladon_tlp t{};
  t.type = LADON_TLP_MRD;
  ladon_tlp_set_range(&t, addr, bytes, nullptr);
  return t;
}

std::vector<ladon__cpl_piece> split(const ladon_tlp &t, uint32_t rcb,
                                    uint32_t mps, int policy) {
  ladon__cpl_piece p[LADON__CPL_MAX_PIECES];
  unsigned n = ladon__cpl_split(&t, rcb, mps, policy, p);
  return std::vector<ladon__cpl_piece>(p, p + n);
}

}  // namespace

// 512 B at 0x1030 = bytes 0x1030..0x122F.  With MPS 256 and RCB 64 the
// largest legal completions are: 0x1030..0x10FF (208 B: 0x1030 + 256 =
// 0x1130, cut back to the RCB boundary 0x1100), 0x1100..0x11FF (256 B),
// 0x1200..0x122F (48 B, the last may end anywhere).  Byte Counts are the
// bytes left: 512, 512 - 208 = 304, 304 - 256 = 48.  Lower Addresses:
// 0x30, then the RCB-aligned starts 0x00 and 0x00 (0x1100 and 0x1200 mod
// 128).
TEST(CplSplit, Read512At0x1030WithRcb64Mps256) {
  auto p = split(mrd(0x1030, 512), 64, 256, LADON__CPL_SPLIT_MPS);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].addr, 0x1030u);
  EXPECT_EQ(p[0].length_dw * 4u, 208u);
  EXPECT_EQ(p[0].byte_count, 512u);
  EXPECT_EQ(p[0].lower_addr, 0x30u);
  EXPECT_EQ(p[1].addr, 0x1100u);
  EXPECT_EQ(p[1].length_dw * 4u, 256u);
  EXPECT_EQ(p[1].byte_count, 304u);
  EXPECT_EQ(p[1].lower_addr, 0x00u);
  EXPECT_EQ(p[2].addr, 0x1200u);
  EXPECT_EQ(p[2].length_dw * 4u, 48u);
  EXPECT_EQ(p[2].byte_count, 48u);
  EXPECT_EQ(p[2].lower_addr, 0x00u);
}

// The same read answered one RCB block at a time: 16 B up to 0x1040, seven
// full 64 B blocks 0x1040..0x11FF, then 48 B: 9 completions.  Block k
// (k >= 1) starts at 0x1040 + 64 (k - 1), Byte Count 512 - 16 - 64 (k - 1),
// Lower Address its start mod 128 (alternating 0x40, 0x00).
TEST(CplSplit, Read512At0x1030OneRcbBlockEach) {
  auto p = split(mrd(0x1030, 512), 64, 256, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(p.size(), 9u);
  EXPECT_EQ(p[0].length_dw * 4u, 16u);
  EXPECT_EQ(p[0].byte_count, 512u);
  EXPECT_EQ(p[0].lower_addr, 0x30u);
  for (unsigned k = 1; k <= 7; k++) {
    uint64_t start = 0x1040 + 64 * (k - 1);
    EXPECT_EQ(p[k].addr, start);
    EXPECT_EQ(p[k].length_dw * 4u, 64u);
    EXPECT_EQ(p[k].byte_count, 512u - 16u - 64u * (k - 1));
    EXPECT_EQ(p[k].lower_addr, start & 0x7f);
  }
  EXPECT_EQ(p[8].addr, 0x1200u);
  EXPECT_EQ(p[8].length_dw * 4u, 48u);
  EXPECT_EQ(p[8].byte_count, 48u);
}

// RCB 128: 0x1030 + 256 = 0x1130 is cut back to 0x1100 as before (0x1100
// is 128-aligned); a read at 0x1050 of 512 B ends at 0x1250: 0x1050 + 256
// = 0x1150 -> 0x1100 (176 B), 0x1100..0x11FF (256 B), then 80 B.
TEST(CplSplit, Rcb128CutsAt128ByteBoundaries) {
  auto p = split(mrd(0x1050, 512), 128, 256, LADON__CPL_SPLIT_MPS);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].length_dw * 4u, 176u);
  EXPECT_EQ(p[1].length_dw * 4u, 256u);
  EXPECT_EQ(p[2].length_dw * 4u, 80u);
  EXPECT_EQ(p[1].byte_count, 512u - 176u);
  auto q = split(mrd(0x1050, 512), 128, 256, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(q.size(), 5u);  // 48 + 128 + 128 + 128 + 80
  EXPECT_EQ(q[0].length_dw * 4u, 48u);
  EXPECT_EQ(q[4].length_dw * 4u, 80u);
}

// A read that fits within one RCB block is one completion carrying all.
TEST(CplSplit, SmallAlignedReadIsOneCompletion) {
  auto p = split(mrd(0x2000, 64), 64, 128, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].length_dw, 16u);
  EXPECT_EQ(p[0].byte_count, 64u);
  EXPECT_EQ(p[0].lower_addr, 0u);
}

// Byte enables: 5 bytes at 0x103 take DW 0x100 (First BE 1000b) and DW
// 0x104 (Last BE 1111b).  Byte Count = 1 + 4 = 5 (Table 2-38); Lower
// Address = 0x100 | 3 = 0x03 from First BE 1000b (Table 2-39).
TEST(CplSplit, ByteEnablesSetByteCountAndLowerAddress) {
  ladon_tlp t = mrd(0x103, 5);
  ASSERT_EQ(t.first_be, 0x8u);
  ASSERT_EQ(t.last_be, 0xfu);
  auto p = split(t, 64, 256, LADON__CPL_SPLIT_MPS);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].length_dw, 2u);
  EXPECT_EQ(p[0].byte_count, 5u);
  EXPECT_EQ(p[0].lower_addr, 0x03u);
}

// Unaligned bytes across an RCB boundary: 6 bytes at 0x13d = DWs 0x13c
// (First BE 1110b) and 0x140 (Last BE 0111b).  The first completion ends
// at 0x140: 1 DW, Byte Count 6, Lower Address 0x3d; the second: 1 DW from
// 0x140, Byte Count = the 3 enabled bytes left, Lower Address 0x40.
TEST(CplSplit, UnalignedReadAcrossRcbBoundary) {
  ladon_tlp t = mrd(0x13d, 6);
  auto p = split(t, 64, 256, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].length_dw, 1u);
  EXPECT_EQ(p[0].byte_count, 6u);
  EXPECT_EQ(p[0].lower_addr, 0x3du);
  EXPECT_EQ(p[1].length_dw, 1u);
  EXPECT_EQ(p[1].byte_count, 3u);
  EXPECT_EQ(p[1].lower_addr, 0x40u);
}

// A zero-length read (1 DW, no byte enabled) is answered with 1 DW and
// Byte Count 1 (Table 2-38, first row).
TEST(CplSplit, ZeroLengthRead) {
  ladon_tlp t = mrd(0x208, 0);
  ASSERT_EQ(t.first_be, 0u);
  auto p = split(t, 64, 256, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].length_dw, 1u);
  EXPECT_EQ(p[0].byte_count, 1u);
  EXPECT_EQ(p[0].lower_addr, 0x08u);
}

// A 4 KiB read answered at MPS 4096 is one completion (Byte Count 4096,
// which travels as 0); at RCB 64 it is 64 completions of 64 B.
TEST(CplSplit, FourKiBRead) {
  auto p = split(mrd(0x4000, 4096), 64, 4096, LADON__CPL_SPLIT_MPS);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].length_dw, 1024u);
  EXPECT_EQ(p[0].byte_count, 4096u);
  auto q = split(mrd(0x4000, 4096), 64, 4096, LADON__CPL_SPLIT_RCB);
  ASSERT_EQ(q.size(), 64u);
  EXPECT_EQ(q[63].byte_count, 64u);
  // Every completion's Byte Count drops by exactly the previous payload.
  for (size_t k = 1; k < q.size(); k++)
    EXPECT_EQ(q[k - 1].byte_count - q[k].byte_count, q[k - 1].length_dw * 4u);
}
