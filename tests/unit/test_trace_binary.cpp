// Binary traces (.ltb): the byte layout, inline name records, and every way
// a binary file can be malformed.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include "ladon/trace.h"
}

namespace {

using Bytes = std::vector<uint8_t>;

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ladon-trace-bin-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string put(const std::string &name, const Bytes &b) const {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary).write((const char *)b.data(), (std::streamsize)b.size());
    return p;
  }
};

Bytes Slurp(const std::string &p) {
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// Little-endian writers for building files by hand, independent of the
// library's own encoder.
void Le(Bytes &b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; i++) b[off + i] = (uint8_t)(v >> (8 * i));
}

Bytes Header(uint16_t version = 1, uint16_t unit = 64, uint32_t flags = 0) {
  Bytes b = {0x89, 'L', 'T', 'B', '\r', '\n', 0x1a, '\n'};
  b.resize(16);
  Le(b, 8, version, 2);
  Le(b, 10, unit, 2);
  Le(b, 12, flags, 4);
  return b;
}

Bytes Name(uint32_t id, const std::string &s) {
  size_t units = (8 + s.size() + 63) / 64;
  Bytes b(units * 64, 0);
  b[0] = 2;
  Le(b, 2, s.size(), 2);
  Le(b, 4, id, 4);
  memcpy(b.data() + 8, s.data(), s.size());
  return b;
}

// A 1-DW MWr at `addr` from name id `src` at time `t`: bytes at the
// offsets docs/trace-format.md gives.
Bytes Tlp(uint64_t t, uint32_t src, uint64_t addr = 0x1000) {
  Bytes b(64, 0);
  b[0] = 1;            // kind
  Le(b, 4, src, 4);    // src id
  Le(b, 8, t, 8);      // t_ps
  Le(b, 16, addr, 8);  // addr
  Le(b, 32, 1, 2);     // length_dw
  Le(b, 34, 0x0386, 2);  // req_id 03:10.6
  b[44] = LADON_TLP_MWR;
  b[48] = 0xf;         // first_be
  return b;
}

Bytes Prefix(Bytes b, size_t n) {
  b.resize(n);
  return b;
}

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

struct Result {
  int rc;
  std::vector<ladon_trace_record> recs;
  std::vector<std::string> srcs;
  ladon_error err;
};

Result ReadAll(const std::string &path) {
  Result r{};
  ladon_error_clear(&r.err);
  ladon_trace_reader *rd = ladon_trace_open(path.c_str(), &r.err);
  if (rd == nullptr) return r.rc = -2, r;
  ladon_trace_record rec;
  while ((r.rc = ladon_trace_reader_next(rd, &rec, &r.err)) == 1) {
    r.recs.push_back(rec);
    r.srcs.push_back(rec.src);
  }
  ladon_trace_reader_close(rd);
  return r;
}

TEST(TraceBinary, WriterLaysOutBytesAsDocumented) {
  TempDir d;
  std::string p = d.path + "/one.ltb";
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open(p.c_str(), LADON_TRACE_AUTO, &err);
  ASSERT_NE(w, nullptr) << err.text;
  ladon_trace_record rec{};
  rec.t_ps = 0x0102030405060708ull;
  rec.src = "dev";
  rec.port = "p0";
  rec.dir = LADON_TRACE_DIR_UP;
  ladon_tlp &t = rec.tlp;
  t.type = LADON_TLP_MRD;
  ASSERT_EQ(ladon_tlp_set_range(&t, 0x100001000ull, 8, nullptr), LADON_OK);
  t.req_id = LADON_TLP_ID(3, 0x10, 6);
  t.tag = 0x123;  // a 10-bit tag (non-posted)
  t.tc = 5;
  t.attr = 2;
  t.flags |= LADON_TLP_F_PASID;
  t.pasid = 0x12345;
  ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK) << err.text;
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK) << err.text;

  Bytes want = Cat({Header(), Name(1, "dev"), Name(2, "p0")});
  Bytes tlp(64, 0);
  tlp[0] = 1;                              // kind: TLP
  tlp[1] = 4;                              // dir: up
  Le(tlp, 2, 0x0021, 2);                   // flags: ADDR64 | PASID
  Le(tlp, 4, 1, 4);                        // src: name 1
  Le(tlp, 8, 0x0102030405060708ull, 8);    // t_ps, least significant first
  Le(tlp, 16, 0x100001000ull, 8);          // addr
  Le(tlp, 24, 2, 4);                       // port: name 2
  Le(tlp, 28, 0x12345, 4);                 // pasid
  Le(tlp, 32, 2, 2);                       // length_dw: 8 bytes = 2 DW
  Le(tlp, 34, 0x0386, 2);                  // req_id 03:10.6
  Le(tlp, 40, 0x123, 2);                   // tag
  tlp[44] = 1;                             // type: MRd
  tlp[45] = 5;                             // tc
  tlp[46] = 2;                             // attr
  tlp[48] = 0xf;                           // first_be
  tlp[49] = 0xf;                           // last_be
  want.insert(want.end(), tlp.begin(), tlp.end());
  EXPECT_EQ(Slurp(p), want);
  // Spot checks that do not go through the helpers above.
  Bytes got = Slurp(p);
  ASSERT_EQ(got.size(), 16u + 64u * 3u);
  EXPECT_EQ(got[16 + 128 + 8], 0x08);  // t_ps low byte first
  EXPECT_EQ(got[16 + 128 + 15], 0x01);
}

TEST(TraceBinary, ReadsHandBuiltFile) {
  TempDir d;
  std::string long_name(100, 'n');  // 8 + 100 bytes: a name in two units
  Bytes b = Cat({Header(), Name(1, "03:10.6"), Tlp(10, 1), Name(2, long_name),
                 Tlp(20, 2, 0x2000), Tlp(20, 1, 0x3000)});
  Result r = ReadAll(d.put("hand.ltb", b));
  ASSERT_EQ(r.rc, 0) << r.err.text;
  ASSERT_EQ(r.recs.size(), 3u);
  EXPECT_EQ(r.srcs[0], "03:10.6");
  EXPECT_EQ(r.srcs[1], long_name);
  EXPECT_EQ(r.recs[0].src, r.recs[2].src);  // interned
  EXPECT_EQ(r.recs[1].t_ps, 20u);
  EXPECT_EQ(r.recs[1].tlp.addr, 0x2000u);
  EXPECT_EQ(r.recs[1].tlp.type, LADON_TLP_MWR);
  EXPECT_EQ(r.recs[1].tlp.req_id, LADON_TLP_ID(3, 0x10, 6));
  // Record numbers count name records too: TLPs are records 2, 4 and 5.
  EXPECT_EQ(r.recs[0].line, 2u);
  EXPECT_EQ(r.recs[1].line, 4u);
  EXPECT_EQ(r.recs[2].line, 5u);
}

TEST(TraceBinary, NamesAreDefinedJustBeforeTheirFirstUse) {
  // A recorder meets requesters as the simulation runs: the writer appends
  // a name record when a name first appears, never going back.
  TempDir d;
  std::string p = d.path + "/stream.ltb";
  ladon_error err;
  ladon_trace_writer *w = ladon_trace_writer_open(p.c_str(), LADON_TRACE_LTB, &err);
  ASSERT_NE(w, nullptr);
  const char *srcs[] = {"a", "a", "b", "a", "b"};
  for (int i = 0; i < 5; i++) {
    ladon_trace_record rec{};
    rec.t_ps = (uint64_t)i;
    rec.src = srcs[i];
    rec.tlp.type = LADON_TLP_MWR;
    ladon_tlp_set_range(&rec.tlp, 0x1000, 4, nullptr);
    ASSERT_EQ(ladon_trace_write(w, &rec, &err), LADON_OK);
  }
  ASSERT_EQ(ladon_trace_writer_close(w, &err), LADON_OK);
  Bytes got = Slurp(p);
  // header, name a, tlp, tlp, name b, tlp, tlp, tlp
  ASSERT_EQ(got.size(), 16u + 7u * 64u);
  const unsigned kinds[] = {2, 1, 1, 2, 1, 1, 1};
  for (int i = 0; i < 7; i++) EXPECT_EQ(got[16 + 64 * i], kinds[i]) << i;
  EXPECT_EQ(got[16 + 3 * 64 + 8], 'b');
}

struct BadCase {
  const char *name;
  Bytes bytes;
  ladon_status code;
  const char *message;  // after "FILE: "
};

std::vector<BadCase> BadCases() {
  Bytes reserved = Tlp(1, 1);
  reserved[60] = 1;
  Bytes kind = Tlp(1, 1);
  kind[0] = 7;
  Bytes dir = Tlp(1, 1);
  dir[1] = 9;
  Bytes pad = Name(1, "x");
  pad[40] = 1;
  Bytes ctl = Name(1, "a\tb");
  return {
      {"WrongVersion", Cat({Header(2), Name(1, "x")}), LADON_EPARSE,
       ".ltb version 2 is not supported (this reader knows version 1)"},
      {"WrongRecordSize", Header(1, 32), LADON_EPARSE, "record size 32, expected 64"},
      {"UnknownFlags", Header(1, 64, 4), LADON_EPARSE, "unknown flags 0x00000004"},
      {"TruncatedHeader", Prefix(Header(), 12),
       LADON_EPARSE, "truncated .ltb header: 12 of 16 bytes"},
      {"WrongMagic", Cat({Bytes{0x89, 'L', 'T', 'X'}, Bytes(12, 0)}), LADON_EPARSE,
       "not a Ladon trace"},
      {"TruncatedRecord",
       Cat({Header(), Name(1, "x"), Prefix(Tlp(1, 1), 30)}),
       LADON_EPARSE, "record 2: truncated: 30 of 64 bytes (byte offset 80)"},
      {"UnknownKind", Cat({Header(), kind}), LADON_EPARSE,
       "record 1: unknown record kind 7 (byte offset 16)"},
      {"UndefinedSource", Cat({Header(), Tlp(1, 1)}), LADON_EPARSE,
       "record 1: src name id 1 is not defined (0 defined so far)"},
      {"UndefinedPort",
       [] {
         Bytes t = Tlp(1, 1);
         t[24] = 5;
         return Cat({Header(), Name(1, "x"), t});
       }(),
       LADON_EPARSE, "record 2: port name id 5 is not defined (1 defined so far)"},
      {"NameIdsOutOfOrder", Cat({Header(), Name(2, "x")}), LADON_EPARSE,
       "record 1: name id 2 where 1 comes next"},
      {"NamePaddingNotZero", Cat({Header(), pad}), LADON_EPARSE,
       "record 1: name record padding is not zero"},
      {"NameWithControlCharacter", Cat({Header(), ctl}), LADON_EPARSE,
       "record 1: name: a name is 1..255 bytes without control characters"},
      {"TruncatedLongName",
       Cat({Header(), Prefix(Name(1, std::string(100, 'n')), 64)}),
       LADON_EPARSE, "record 1: name record truncated"},
      {"ReservedNotZero", Cat({Header(), Name(1, "x"), reserved}), LADON_EPARSE,
       "record 2: reserved bytes 56..63 are not zero"},
      {"BadDirection", Cat({Header(), Name(1, "x"), dir}), LADON_EPARSE,
       "record 2: dir 9 is not 0..4"},
      {"TimeGoesBack", Cat({Header(), Name(1, "x"), Tlp(10, 1), Tlp(5, 1)}),
       LADON_EPARSE,
       "record 3: time goes back: t_ps 5 is before 10 of the previous record (2)"},
  };
}

class TraceBadBinary : public ::testing::TestWithParam<BadCase> {};

TEST_P(TraceBadBinary, IsReportedWithItsRecord) {
  const BadCase &c = GetParam();
  TempDir d;
  std::string p = d.put("bad.ltb", c.bytes);
  Result r = ReadAll(p);
  ASSERT_LT(r.rc, 0) << "accepted: " << c.name;
  EXPECT_EQ(r.err.code, c.code) << r.err.text;
  EXPECT_EQ(r.err.line, 0);
  EXPECT_EQ(std::string(r.err.file), p);
  EXPECT_NE(std::string(r.err.text).find(c.message), std::string::npos)
      << "message: " << r.err.text;
  char buf[1024];
  EXPECT_EQ(std::string(ladon_error_format(&r.err, buf, sizeof buf)).rfind(p + ": ", 0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Cases, TraceBadBinary, ::testing::ValuesIn(BadCases()),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(TraceBinary, SpecViolationKeepsTheCheckersStatus) {
  // A 1 DW write at 0xffc is fine; 2 DW there cross 4 KB (§2.2.7.1).
  TempDir d;
  Bytes t = Tlp(1, 1, 0xffc);
  Le(t, 32, 2, 2);
  t[49] = 0xf;
  Result r = ReadAll(d.put("x.ltb", Cat({Header(), Name(1, "x"), t})));
  ASSERT_EQ(r.rc, -1);
  EXPECT_EQ(r.err.code, LADON_ESPEC);
  EXPECT_NE(std::string(r.err.text).find("4 KB boundary"), std::string::npos) << r.err.text;
}

TEST(TraceBinary, EmptyTraceHasNoRecords) {
  TempDir d;
  Result r = ReadAll(d.put("empty.ltb", Header()));
  EXPECT_EQ(r.rc, 0) << r.err.text;
  EXPECT_TRUE(r.recs.empty());
}

}  // namespace
