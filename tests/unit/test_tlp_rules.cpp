// The decoder rejects what the PCIe Base Specification forbids, naming the
// rule's section.  Each case is a hand-made header (layout as in
// tests/data/tlp-golden.txt) that breaks exactly one rule; a near twin that
// keeps the rule decodes, so each case would fail if the check were missing
// or too broad.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "ladon/tlp.h"
}

namespace {

std::vector<uint8_t> hex(const char *s) {
  uint8_t buf[64];
  size_t n = 0;
  EXPECT_EQ(ladon_tlp_hex_parse(s, buf, sizeof buf, &n, nullptr), LADON_OK) << s;
  return std::vector<uint8_t>(buf, buf + n);
}

ladon_status decode(const char *h, ladon_error *err, unsigned flags = 0,
                    ladon_tlp *out = nullptr) {
  auto b = hex(h);
  ladon_tlp t;
  ladon_error_clear(err);
  ladon_status s = ladon_tlp_decode(b.data(), b.size(), flags, out ? out : &t, err);
  if (s != LADON_OK) {
    EXPECT_NE(err->text[0], '\0') << "no message for " << h;
  }
  return s;
}

// `bad` must be rejected with `code` and a message containing `section`;
// `good` (the same header with the rule kept) must decode.
void expect_rule(const char *bad, const char *good, ladon_status code, const char *section) {
  ladon_error err;
  EXPECT_EQ(decode(bad, &err), code) << bad;
  EXPECT_NE(std::string(err.text).find(section), std::string::npos)
      << bad << ": '" << err.text << "' lacks " << section;
  if (good) {
    EXPECT_EQ(decode(good, &err), LADON_OK) << good << ": " << err.text;
  }
}

}  // namespace

TEST(TlpRules, ReservedFmtAndTypeEncodings) {
  // Fmt 101b (byte 0 = a0h) is Reserved (Table 2-2).
  expect_rule("a0000001 0000000f 00001000", "00000001 0000000f 00001000", LADON_ESPEC,
              "Table 2-2");
  // Type 0 0011b with Fmt 000b is not in Table 2-3.
  expect_rule("03000001 0000000f 00001000", nullptr, LADON_ESPEC, "Table 2-3");
  // 1 1011b with Fmt 000b was TCfgRd, now deprecated (Table 2-3 note).
  ladon_error err;
  EXPECT_EQ(decode("1b000001 0000000f 00001000", &err), LADON_ESPEC);
  EXPECT_NE(std::string(err.text).find("TCfgRd"), std::string::npos) << err.text;
  // Messages always have a 4 DW header: Fmt 000b with 1 0100b is Reserved.
  expect_rule("14000000 04000020 00000000", "34000000 04000020 00000000 00000000",
              LADON_ESPEC, "Table 2-3");
  // I/O Requests have no 4 DW form (Fmt 001b, Type 0 0010b).
  expect_rule("22000001 0000010f 00000000 00000cf8", "02000001 0000010f 00000cf8",
              LADON_ESPEC, "Table 2-3");
}

TEST(TlpRules, ByteEnableRules) {
  // 1 DW request: Last DW BE must be 0000b (byte 7 = ffh breaks it).
  expect_rule("00000001 000000ff 00001000", "00000001 0000000f 00001000", LADON_ESPEC,
              "§2.2.5.1");
  // More than 1 DW: First DW BE must not be 0000b.
  expect_rule("00000004 000000f0 00001000", "00000004 000000ff 00001000", LADON_ESPEC,
              "§2.2.5.1");
  // More than 1 DW: Last DW BE must not be 0000b.
  expect_rule("00000004 0000000f 00001000", "00000004 000000ff 00001000", LADON_ESPEC,
              "§2.2.5.1");
  // Non-contiguous First BE 0101b in a 3 DW request.
  expect_rule("00000003 000000f5 00001000", "00000003 000000fc 00001000", LADON_ESPEC,
              "§2.2.5.1");
  // Last BE must be contiguous from byte 0: 1100b breaks it in 3 DW.
  expect_rule("40000003 000000cf 00001000", "40000003 0000003f 00001000", LADON_ESPEC,
              "§2.2.5.1");
  // 2 DW, QW aligned (1008h): non-contiguous a5h is permitted ...
  ladon_error err;
  EXPECT_EQ(decode("40000002 000000a5 00001008", &err), LADON_OK) << err.text;
  // ... but not when only DW aligned (100ch).
  expect_rule("40000002 000000a5 0000100c", "40000002 0000003c 0000100c", LADON_ESPEC,
              "§2.2.5.1");
  // Zero-length write (1 DW, no byte enabled) is permitted.
  EXPECT_EQ(decode("40000001 00000000 00001000", &err), LADON_OK) << err.text;
}

TEST(TlpRules, FourKilobyteBoundary) {
  // 32 DW from ff0h end at 1070h: crosses 1000h (§2.2.7.1).
  expect_rule("00000020 000000ff 00000ff0", "00000020 000000ff 00000f80", LADON_ESPEC,
              "§2.2.7.1");
  // 1024 DW (Length 0) is only legal at a 4 KB aligned address.
  expect_rule("40000000 000000ff 00001004", "40000000 000000ff 00001000", LADON_ESPEC,
              "§2.2.7.1");
}

TEST(TlpRules, SixtyFourBitHeaderBelowFourGigabytes) {
  // §2.2.4.1: addresses below 4 GB must use the 32-bit format.
  expect_rule("20000001 0000000f 00000000 00001000", "20000001 0000000f 00000001 00001000",
              LADON_ESPEC, "§2.2.4.1");
  // The receiver's behaviour is unspecified; the lenient decoder accepts it.
  ladon_error err;
  ladon_tlp t;
  ASSERT_EQ(decode("20000001 0000000f 00000000 00001000", &err, LADON_TLP_DECODE_LENIENT, &t),
            LADON_OK)
      << err.text;
  EXPECT_TRUE(t.flags & LADON_TLP_F_ADDR64);
  EXPECT_EQ(t.addr, 0x1000u);
}

TEST(TlpRules, IoAndConfigurationRestrictions) {
  // Configuration Requests: Length must be 1 DW.
  expect_rule("04000002 000000ff 04000100", "04000001 0000000f 04000100", LADON_ESPEC,
              "§2.2.7.1");
  // TC must be 000b (byte 1 = 10h).
  expect_rule("04100001 0000000f 04000100", "04000001 0000000f 04000100", LADON_ESPEC,
              "§2.2.7.1");
  // Attr[1:0] must be 00b (byte 2 = 20h: Relaxed Ordering).
  expect_rule("02002001 0000000f 00000cf8", "02000001 0000000f 00000cf8", LADON_ESPEC,
              "§2.2.7.1");
  // Attr[2] (IDO) is Reserved for I/O (byte 1 = 04h).
  expect_rule("42040001 0000000f 00000cf8", "42000001 0000000f 00000cf8", LADON_ESPEC,
              "§2.2.6.4");
  // AT must be 00b (byte 2 = 08h).
  expect_rule("04000801 0000000f 04000100", "04000001 0000000f 04000100", LADON_ESPEC,
              "§2.2.7.1");
  // TH is Reserved for I/O and Configuration Requests.
  expect_rule("04010001 0000000f 04000100", "04000001 0000000f 04000100", LADON_ESPEC,
              "§2.2.7.1.1");
  // Reserved bits of the register field (byte 10 bits 7:4).
  expect_rule("04000001 0000000f 04001100", "04000001 0000000f 04000100", LADON_ESPEC,
              "§2.2");
}

TEST(TlpRules, AtomicOpOperandsAndAlignment) {
  // FetchAdd Length 3 DW is not an architected operand size (Table 2-15).
  expect_rule("4c000003 01000600 00001000", "4c000002 01000600 00001000", LADON_ESPEC,
              "Table 2-15");
  // CAS Length 1 DW neither (two operands: 2, 4 or 8 DW).
  expect_rule("4e000001 01000600 00001000", "4e000002 01000600 00001000", LADON_ESPEC,
              "Table 2-15");
  // CAS of 64-bit operands (4 DW) at 1004h: not 8-byte aligned.
  expect_rule("4e000004 01000600 00001004", "4e000004 01000600 00001008", LADON_ESPEC,
              "§2.2.7.1");
  // Swap of a 64-bit operand (2 DW) at 1004h: not 8-byte aligned.
  expect_rule("4d000002 01000600 00001004", "4d000001 01000600 00001004", LADON_ESPEC,
              "§2.2.7.1");
  // Byte enables are Reserved for AtomicOps.
  expect_rule("4c000001 0100060f 00001000", "4c000001 01000600 00001000", LADON_ESPEC,
              "§2.2.7.1");
}

TEST(TlpRules, CompletionRules) {
  // Completion Status 011b is Reserved (byte 6 = 60h).
  expect_rule("0a000000 04006004 00000300", "0a000000 04002004 00000300", LADON_ESPEC,
              "Table 2-37");
  // CplD with UR: a completion that is not successful carries no data.
  expect_rule("4a000001 04002004 00000300", "0a000000 04002004 00000300", LADON_ESPEC,
              "Table 2-3");
  // Length is Reserved for Cpl (byte 3 = 01h).
  expect_rule("0a000001 04002004 00000300", "0a000000 04002004 00000300", LADON_ESPEC,
              "§2.2.1.1");
  // 2 DW of data but only 4 bytes remain from Lower Address 0 (§2.3.1.1).
  expect_rule("4a000002 04000004 00000300", "4a000001 04000004 00000300", LADON_ESPEC,
              "§2.3.1.1");
  // AT must be 00b for Completions.
  expect_rule("4a000401 04000004 00000300", "4a000001 04000004 00000300", LADON_ESPEC,
              "§2.2.9.1");
  // Byte 11 bit 7 is Reserved (Lower Address is 7 bits).
  expect_rule("4a000001 04000004 00000380", "4a000001 04000004 00000300", LADON_ESPEC,
              "§2.2");
}

TEST(TlpRules, MessageRules) {
  // Routing r[2:0] = 110b is Reserved (Type 1 0110b -> byte 0 = 36h).
  expect_rule("36000000 0400007f 00000000 00000000", "34000000 0400007f 00000000 00000000",
              LADON_ESPEC, "Table 2-20");
  // Assert_INTA must use TC0 (byte 1 = 10h).
  expect_rule("34100000 04000020 00000000 00000000", "34000000 04000020 00000000 00000000",
              LADON_ESPEC, "§2.2.8.1");
  // Assert_INTA is Local (100b), not routed to the RC (000b).
  expect_rule("30000000 04000020 00000000 00000000", "34000000 04000020 00000000 00000000",
              LADON_ESPEC, "§2.2.8.1");
  // Set_Slot_Power_Limit carries 1 DW of data: as Msg it is malformed.
  expect_rule("34000000 00e00050 00000000 00000000", "74000001 00e00050 00000000 00000000",
              LADON_ESPEC, "§2.2.8.5");
  // EP is Reserved for Messages without data (byte 2 = 40h).
  expect_rule("34004000 04000020 00000000 00000000", "34000000 04000020 00000000 00000000",
              LADON_ESPEC, "§2.2.8");
  // Attr[1:0] is Reserved except for Vendor-Defined Messages.
  expect_rule("30001000 04000033 00000000 00000000", "30001000 0400007e 00000000 00000000",
              LADON_ESPEC, "§2.2.8");
  // Length is Reserved for Msg.
  expect_rule("34000001 04000020 00000000 00000000", "34000000 04000020 00000000 00000000",
              LADON_ESPEC, "§2.2.1.1");
}

TEST(TlpRules, TagAddressTypeAndHints) {
  // Tag[9:8] is Reserved for Posted Requests (T9 = byte 1 bit 7).
  expect_rule("40800001 0100050f 00001000", "00800001 0100050f 00001000", LADON_ESPEC,
              "§2.2.6.2.1");
  // AT 11b is Reserved (byte 2 = 0ch).
  expect_rule("00000c01 0000000f 00001000", "00000801 0000000f 00001000", LADON_ESPEC,
              "Table 10-1");
  // AT 01b (Translation Request) only on Memory Reads.
  expect_rule("40000401 0000000f 00001000", "00000401 0000000f 00001000", LADON_ESPEC,
              "§10.2.2");
  // PH bits without TH are Reserved.
  expect_rule("00000001 0000000f 00001001", "00010001 0000000f 00001001", LADON_ESPEC,
              "§2.2");
  // Byte 1 bit 1 (formerly LN) is Reserved.
  expect_rule("00020001 0000000f 00001000", "00000001 0000000f 00001000", LADON_ESPEC,
              "§2.2");
}

TEST(TlpRules, PasidPrefixPlacement) {
  // A PASID prefix on a completion is not permitted (§6.20).
  expect_rule("91000001 0a000000 04002004 00000300", "91000001 00000001 0000000f 00001000",
              LADON_ESPEC, "§6.20");
  // Nor with a translated address (AT 10b).
  expect_rule("91000001 00000801 0000000f 00001000", "91000001 00000001 0000000f 00001000",
              LADON_ESPEC, "§6.20");
  // Byte 1 bits 5:4 of the prefix are Reserved.
  expect_rule("91100001 00000001 0000000f 00001000", "91c00001 00000001 0000000f 00001000",
              LADON_ESPEC, "§2.2");
}

TEST(TlpRules, UnsupportedPrefixesAndTruncation) {
  ladon_error err;
  // TPH End-End prefix (E[3:0] = 0000b, byte 0 = 90h) is not modelled.
  EXPECT_EQ(decode("90000000 00000001 0000000f 00001000", &err), LADON_ENOTSUP);
  EXPECT_NE(std::string(err.text).find("Table 2-39"), std::string::npos) << err.text;
  // Local prefixes (byte 0 = 8eh: VendPrefixL0) neither.
  EXPECT_EQ(decode("8e000000 00000001 0000000f 00001000", &err), LADON_ENOTSUP);
  EXPECT_NE(std::string(err.text).find("Table 2-38"), std::string::npos) << err.text;
  // A prefix with nothing after it.
  EXPECT_EQ(decode("91000001", &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("§2.2.10.1"), std::string::npos) << err.text;
  // Headers cut short.
  EXPECT_EQ(decode("000000", &err), LADON_EPARSE);
  EXPECT_EQ(decode("20000001 0000000f 00000001", &err), LADON_EPARSE);
  // MWr of 1 DW followed by 8 bytes: Length and payload disagree (§2.2.2).
  EXPECT_EQ(decode("40000001 0100000f 00001000 11223344 55667788", &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("§2.2.2"), std::string::npos) << err.text;
}

TEST(TlpRules, LenientDecodeDropsReservedBitsLikeAReceiver) {
  // LN bit, PH bits without TH and T9 on a Memory Write: all Reserved.
  const char *h = "40820001 0100050f 00001001";
  ladon_error err;
  EXPECT_EQ(decode(h, &err), LADON_ESPEC);
  ladon_tlp t;
  ASSERT_EQ(decode(h, &err, LADON_TLP_DECODE_LENIENT, &t), LADON_OK) << err.text;
  uint8_t out[LADON_TLP_HEADER_MAX_BYTES];
  size_t n = 0;
  ASSERT_EQ(ladon_tlp_encode(&t, out, sizeof out, &n, &err), LADON_OK) << err.text;
  // Re-encoded with every Reserved bit cleared.
  EXPECT_EQ(std::vector<uint8_t>(out, out + n), hex("40000001 0100050f 00001000"));
  // Rules that are not about Reserved bits still hold in lenient mode.
  EXPECT_EQ(decode("00000020 000000ff 00000ff0", &err, LADON_TLP_DECODE_LENIENT),
            LADON_ESPEC);
}

TEST(TlpRules, CheckRejectsUnencodableMembers) {
  ladon_tlp t;
  ladon_error err;
  ASSERT_EQ(ladon_tlp_parse_fields("type=MRd addr=0x1000 len=4 req=01:00.0", &t, &err),
            LADON_OK);
  ladon_tlp u = t;
  u.addr = 0x1002;  // bits 1:0 carry PH, not address
  EXPECT_EQ(ladon_tlp_check(&u, &err), LADON_EINVAL);
  u = t;
  u.addr = 0x100000000;  // needs LADON_TLP_F_ADDR64
  EXPECT_EQ(ladon_tlp_check(&u, &err), LADON_EINVAL);
  u = t;
  u.byte_count = 4;  // completions only
  EXPECT_EQ(ladon_tlp_check(&u, &err), LADON_EINVAL);
  u = t;
  u.tc = 8;
  EXPECT_EQ(ladon_tlp_check(&u, &err), LADON_EINVAL);
  u = t;
  u.type = 0;
  EXPECT_EQ(ladon_tlp_check(&u, &err), LADON_EINVAL);
  EXPECT_EQ(ladon_tlp_check(nullptr, &err), LADON_EINVAL);
  uint8_t buf[LADON_TLP_HEADER_MAX_BYTES];
  EXPECT_EQ(ladon_tlp_encode(&t, buf, 11, nullptr, &err), LADON_EFULL);  // 3 DW need 12
  EXPECT_EQ(ladon_tlp_check(&t, nullptr), LADON_OK);
}
