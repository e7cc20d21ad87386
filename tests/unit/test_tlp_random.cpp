// Property tests of the TLP codec, seeded and deterministic:
//  - many thousands of valid TLPs of every type survive encode -> decode
//    unchanged (lossless round trip), and the bytes re-encode identically;
//  - random bytes and bit-flipped valid headers never crash the decoder:
//    it either decodes (and then the bytes re-encode exactly) or reports a
//    clean error with a message.
// The generator restates the spec rules it needs (PCIe Base 6.0 §2.2) so it
// builds valid TLPs by construction; it does not ask the checker.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "ladon/tlp.h"
}

namespace {

// SplitMix64 (Steele, Lea, Flood, OOPSLA 2014): small, seeded, deterministic.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }
  bool coin() { return next() & 1; }
  template <size_t N> unsigned pick(const unsigned (&a)[N]) { return a[below(N)]; }
};

// Messages with what their tables require: code, permitted routings (bit r),
// 0 Msg / 1 MsgD / 2 either, fixed payload DW, TC0, Attr[1:0] allowed,
// PASID allowed.  From PCIe Base 6.0 Tables 2-21 .. 2-36 and §6.20.
struct MsgSpec {
  unsigned code, routes, data, dw;
  bool tc0, attr, pasid;
};
const MsgSpec kMsgs[] = {
    {0x00, 1u << 3, 0, 0, true, false, false},   // Unlock, broadcast
    {0x10, 1u << 4, 0, 0, true, false, false},   // LTR, local
    {0x14, 1u << 4, 0, 0, true, false, false},   // PM_Active_State_Nak
    {0x18, 1u << 0, 0, 0, true, false, false},   // PM_PME, to RC
    {0x19, 1u << 3, 0, 0, true, false, false},   // PME_Turn_Off
    {0x1b, 1u << 5, 0, 0, true, false, false},   // PME_TO_Ack, gathered
    {0x21, 1u << 4, 0, 0, true, false, false},   // Assert_INTB
    {0x26, 1u << 4, 0, 0, true, false, false},   // Deassert_INTC
    {0x30, 1u << 0, 0, 0, true, false, false},   // ERR_COR
    {0x50, 1u << 4, 1, 1, true, false, false},   // Set_Slot_Power_Limit
    {0x53, 1u << 4, 2, 1, true, false, false},   // PTM Response / ResponseD
    {0x54, (1u << 2) | (1u << 4), 0, 0, false, false, false},  // IDE Sync
    {0x7e, 0x1d, 2, 0, false, true, false},      // Vendor_Defined_Type0
    {0x7f, 0x1d, 2, 0, false, true, false},      // Vendor_Defined_Type1
    {0x04, 0x3f, 2, 0, false, false, true},      // Page Request (routing not checked)
    {0x6a, 0x3f, 2, 0, false, false, false},     // a code no table defines
};

ladon_tlp random_tlp(Rng &r) {
  ladon_tlp t;
  std::memset(&t, 0, sizeof t);
  unsigned type = 1 + (unsigned)r.below(LADON_TLP__TYPE_COUNT - 1);
  t.type = (uint8_t)type;
  bool posted = ladon_tlp_is_posted((ladon_tlp_type)type);
  t.req_id = (uint16_t)r.next();
  t.tag = (uint16_t)r.below(posted ? 256 : 1024);  // §2.2.6.2.1
  if (r.coin()) t.flags |= LADON_TLP_F_TD;
  bool mem = type == LADON_TLP_MRD || type == LADON_TLP_MRDLK || type == LADON_TLP_MWR ||
             type == LADON_TLP_DMWR;
  bool atomic = type == LADON_TLP_FETCHADD || type == LADON_TLP_SWAP || type == LADON_TLP_CAS;
  bool cfg = type >= LADON_TLP_CFGRD0 && type <= LADON_TLP_CFGWR1;
  bool io = type == LADON_TLP_IORD || type == LADON_TLP_IOWR;
  bool msg = type == LADON_TLP_MSG || type == LADON_TLP_MSGD;
  bool cpl = type >= LADON_TLP_CPL && type <= LADON_TLP_CPLDLK;
  if (!msg || type == LADON_TLP_MSGD) {
    if (r.coin()) t.flags |= LADON_TLP_F_EP;
  }
  if (mem || atomic) {
    t.tc = (uint8_t)r.below(8);
    t.attr = (uint8_t)r.below(8);
    bool a64 = r.coin();
    uint64_t addr = a64 ? (r.next() | (1ull << (32 + r.below(32)))) : (r.next() & 0xffffffffu);
    if (a64) t.flags |= LADON_TLP_F_ADDR64;
    unsigned ats[] = {0, 0, 2};
    t.at = (uint8_t)(type == LADON_TLP_MRD && r.below(4) == 0 ? 1 : r.pick(ats));
    bool th = r.below(3) == 0;
    if (atomic) {
      unsigned fa[] = {1, 2}, cas[] = {2, 4, 8};
      t.length_dw = (uint16_t)(type == LADON_TLP_CAS ? r.pick(cas) : r.pick(fa));
      uint64_t operand = type == LADON_TLP_CAS ? 2u * t.length_dw : 4u * t.length_dw;
      t.addr = addr & ~(operand - 1);  // natural alignment, §2.2.7.1
      if (a64 && (t.addr >> 32) == 0) t.addr |= 1ull << 40;
    } else {
      t.addr = addr & ~3ull;
      unsigned dw_off = (unsigned)((t.addr & 0xfff) >> 2);
      unsigned max_len = 1024 - dw_off;  // stay inside the 4 KB page
      t.length_dw = (uint16_t)(1 + (r.coin() ? r.below(max_len) : r.below(max_len < 4 ? max_len : 4)));
      unsigned hi[] = {0x8, 0xc, 0xe, 0xf}, lo[] = {0x1, 0x3, 0x7, 0xf};
      bool implied = th && type != LADON_TLP_MWR;
      if (implied) {
        t.first_be = 0xf;
        t.last_be = t.length_dw == 1 ? 0 : 0xf;
      } else if (t.length_dw == 1) {
        t.first_be = (uint8_t)r.below(16);
      } else if (t.length_dw == 2 && (t.addr & 7) == 0) {
        t.first_be = (uint8_t)(1 + r.below(15));
        t.last_be = (uint8_t)(1 + r.below(15));
      } else {
        t.first_be = (uint8_t)r.pick(hi);
        t.last_be = (uint8_t)r.pick(lo);
      }
    }
    if (th) {
      t.flags |= LADON_TLP_F_TH;
      t.ph = (uint8_t)r.below(4);
      t.st = (uint8_t)r.next();
      if (type == LADON_TLP_MWR) t.tag = 0;  // the Tag byte carries ST
    }
    if (t.at != 2 && r.below(4) == 0) {
      t.flags |= LADON_TLP_F_PASID;
      t.pasid = (uint32_t)r.below(1u << 20);
      if (r.coin()) t.flags |= LADON_TLP_F_PASID_ER;
      if (r.coin()) t.flags |= LADON_TLP_F_PASID_PMR;
    }
  } else if (io || cfg) {
    t.length_dw = 1;
    t.first_be = (uint8_t)r.below(16);
    if (io) {
      t.addr = r.next() & 0xfffffffcu;
    } else {
      t.target_id = (uint16_t)r.next();
      t.addr = r.next() & 0xffcu;
    }
  } else if (msg) {
    const MsgSpec &m = kMsgs[r.below(sizeof kMsgs / sizeof kMsgs[0])];
    t.type = (uint8_t)(m.data == 1 ? (unsigned)LADON_TLP_MSGD
                       : m.data == 0 ? (unsigned)LADON_TLP_MSG : type);
    if (t.type == LADON_TLP_MSG) t.flags &= (uint16_t)~LADON_TLP_F_EP;  // Reserved
    if (t.type == LADON_TLP_MSGD && !(t.flags & LADON_TLP_F_EP) && r.coin())
      t.flags |= LADON_TLP_F_EP;
    t.msg_code = (uint8_t)m.code;
    unsigned route;
    do route = (unsigned)r.below(6); while (!(m.routes & (1u << route)));
    t.msg_route = (uint8_t)route;
    t.tc = m.tc0 ? 0 : (uint8_t)r.below(8);
    t.attr = (uint8_t)((m.attr ? r.below(4) : 0) | (r.coin() ? LADON_TLP_ATTR_IDO : 0));
    t.addr = r.next();
    if (t.type == LADON_TLP_MSGD) t.length_dw = (uint16_t)(m.dw ? m.dw : 1 + r.below(1024));
    if (m.pasid && r.coin()) {
      t.flags |= LADON_TLP_F_PASID;
      t.pasid = (uint32_t)r.below(1u << 20);
    }
  } else if (cpl) {
    bool data = type == LADON_TLP_CPLD || type == LADON_TLP_CPLDLK;
    unsigned sts[] = {0, 1, 2, 4};
    t.status = (uint8_t)(data ? 0 : r.pick(sts));
    t.cpl_id = (uint16_t)r.next();
    t.tc = (uint8_t)r.below(8);
    t.attr = (uint8_t)r.below(8);
    t.lower_addr = (uint8_t)r.below(128);
    if (r.coin()) t.flags |= LADON_TLP_F_BCM;
    if (data) {
      t.length_dw = (uint16_t)(1 + r.below(1024));
      // §2.3.1.1: the remaining Byte Count reaches at least the payload end.
      unsigned min_bc = 4u * t.length_dw - 3u - (t.lower_addr & 3u);
      if (min_bc < 1) min_bc = 1;
      if (min_bc > 4096) min_bc = 4096;
      t.byte_count = (uint16_t)(min_bc + r.below(4097 - min_bc));
    } else {
      t.byte_count = (uint16_t)(1 + r.below(4096));
    }
  }
  return t;
}

bool same_header(const ladon_tlp &a, const ladon_tlp &b) {
  return a.type == b.type && a.addr == b.addr && a.pasid == b.pasid &&
         a.length_dw == b.length_dw && a.req_id == b.req_id && a.cpl_id == b.cpl_id &&
         a.target_id == b.target_id && a.tag == b.tag && a.byte_count == b.byte_count &&
         a.tc == b.tc && a.attr == b.attr && a.at == b.at && a.first_be == b.first_be &&
         a.last_be == b.last_be && a.status == b.status && a.lower_addr == b.lower_addr &&
         a.msg_code == b.msg_code && a.msg_route == b.msg_route && a.ph == b.ph &&
         a.st == b.st && a.flags == b.flags;
}

std::string describe(const ladon_tlp &t) {
  char buf[256];
  ladon_tlp_format(&t, buf, sizeof buf);
  return buf;
}

}  // namespace

TEST(TlpRandom, ValidTlpsRoundTripLosslessly) {
  Rng r(20240611);
  const int n = 50000;
  int per_type[LADON_TLP__TYPE_COUNT] = {};
  for (int i = 0; i < n; i++) {
    ladon_tlp t = random_tlp(r);
    ladon_error err;
    uint8_t buf[LADON_TLP_HEADER_MAX_BYTES];
    size_t len = 0;
    ASSERT_EQ(ladon_tlp_encode(&t, buf, sizeof buf, &len, &err), LADON_OK)
        << "#" << i << " " << describe(t) << ": " << err.text;
    ASSERT_EQ(len, 4u * (ladon_tlp_prefix_dw(&t) + ladon_tlp_header_dw(&t)));
    ladon_tlp d;
    ASSERT_EQ(ladon_tlp_decode(buf, len, 0, &d, &err), LADON_OK)
        << "#" << i << " " << describe(t) << ": " << err.text;
    ASSERT_TRUE(same_header(t, d)) << "#" << i << "\n  in:  " << describe(t)
                                   << "\n  out: " << describe(d);
    uint8_t again[LADON_TLP_HEADER_MAX_BYTES];
    size_t len2 = 0;
    ASSERT_EQ(ladon_tlp_encode(&d, again, sizeof again, &len2, &err), LADON_OK);
    ASSERT_EQ(std::vector<uint8_t>(buf, buf + len), std::vector<uint8_t>(again, again + len2));
    per_type[t.type]++;
  }
  // Every type was exercised many times (not a vacuous pass).
  for (int ty = 1; ty < LADON_TLP__TYPE_COUNT; ty++)
    EXPECT_GT(per_type[ty], n / (4 * (LADON_TLP__TYPE_COUNT - 1)))
        << ladon_tlp_type_name((ladon_tlp_type)ty);
}

TEST(TlpRandom, WholeTlpsWithPayloadRoundTrip) {
  Rng r(7);
  std::vector<uint8_t> wire(LADON_TLP_HEADER_MAX_BYTES + 4096 + 4);
  int with_payload = 0;
  for (int i = 0; i < 5000; i++) {
    ladon_tlp t = random_tlp(r);
    size_t len = 0;
    ASSERT_EQ(ladon_tlp_encode(&t, wire.data(), wire.size(), &len, nullptr), LADON_OK);
    uint32_t pay = ladon_tlp_payload_bytes(&t);
    for (uint32_t k = 0; k < pay; k++) wire[len + k] = (uint8_t)r.next();
    size_t total = len + pay + ((t.flags & LADON_TLP_F_TD) ? 4 : 0);
    ladon_tlp d;
    ladon_error err;
    ASSERT_EQ(ladon_tlp_decode(wire.data(), total, 0, &d, &err), LADON_OK) << err.text;
    ASSERT_TRUE(same_header(t, d)) << describe(t);
    if (pay) {
      with_payload++;
      ASSERT_EQ(d.data, wire.data() + len);
      ASSERT_EQ(d.data_bytes, pay);
      ASSERT_EQ(ladon_tlp_check(&d, nullptr), LADON_OK);
    }
  }
  EXPECT_GT(with_payload, 1000);
}

// Whatever the decoder accepts in strict mode is exactly what the encoder
// writes: random bytes either fail cleanly or round-trip bit for bit.
static void decode_or_clean_error(const uint8_t *b, size_t n, int *accepted) {
  for (unsigned flags : {0u, (unsigned)LADON_TLP_DECODE_LENIENT}) {
    ladon_tlp d;
    ladon_error err;
    ladon_error_clear(&err);
    ladon_status s = ladon_tlp_decode(b, n, flags, &d, &err);
    if (s != LADON_OK) {
      ASSERT_NE(err.text[0], '\0');
      ASSERT_EQ(err.code, s);
      continue;
    }
    char text[256];
    ladon_tlp_format(&d, text, sizeof text);
    if (flags) continue;
    (*accepted)++;
    uint8_t out[LADON_TLP_HEADER_MAX_BYTES];
    size_t len = 0;
    ASSERT_EQ(ladon_tlp_encode(&d, out, sizeof out, &len, &err), LADON_OK) << err.text;
    ASSERT_LE(len, n);
    ASSERT_EQ(0, std::memcmp(out, b, len)) << text;
  }
}

TEST(TlpRandom, RandomBytesNeverCrashTheDecoder) {
  Rng r(99);
  int accepted = 0;
  std::vector<uint8_t> b(64);
  for (int i = 0; i < 100000; i++) {
    size_t n = (size_t)r.below(b.size() + 1);
    for (auto &x : b) x = (uint8_t)r.next();
    if (r.coin()) {  // steer half the inputs towards plausible headers
      static const unsigned byte0[] = {0x00, 0x20, 0x40, 0x60, 0x02, 0x42, 0x04, 0x45,
                                       0x30, 0x34, 0x72, 0x0a, 0x4a, 0x4b, 0x4c, 0x6e};
      b[0] = (uint8_t)r.pick(byte0);
      b[1] &= 0x71;  // no T9/T8/A2/LN
      b[2] &= 0x0c;  // no TD/EP/Attr, Length < 256
      unsigned sizes[] = {12, 16};
      n = r.pick(sizes);
    }
    decode_or_clean_error(b.data(), n, &accepted);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, 100);  // some random headers are valid TLPs
}

TEST(TlpRandom, BitFlippedHeadersDecodeOrFailCleanly) {
  Rng r(4242);
  int accepted = 0;
  for (int i = 0; i < 30000; i++) {
    ladon_tlp t = random_tlp(r);
    uint8_t buf[LADON_TLP_HEADER_MAX_BYTES];
    size_t len = 0;
    ASSERT_EQ(ladon_tlp_encode(&t, buf, sizeof buf, &len, nullptr), LADON_OK);
    int flips = 1 + (int)r.below(3);
    for (int k = 0; k < flips; k++) buf[r.below(len)] ^= (uint8_t)(1u << r.below(8));
    decode_or_clean_error(buf, len, &accepted);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, 1000);
}
