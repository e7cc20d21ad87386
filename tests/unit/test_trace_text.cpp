// Text traces (.ltr): what each column means, and every malformed line
// reported at the right line with the right message.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

extern "C" {
#include "ladon/trace.h"
}

namespace {

const std::string kData = std::string(LADON_SOURCE_DIR) + "/tests/data/trace/";

using TempDir = tmpf::Dir;

struct Rec {
  ladon_trace_record r;
  std::string src, port;
};

// Reads every record; returns the status of the last next() (0 or -1).
int ReadAll(const std::string &path, std::vector<Rec> *out, ladon_error *err) {
  ladon_error_clear(err);
  ladon_trace_reader *r = ladon_trace_open(path.c_str(), err);
  if (r == nullptr) return -2;
  int rc;
  ladon_trace_record rec;
  while ((rc = ladon_trace_reader_next(r, &rec, err)) == 1) {
    Rec x{rec, rec.src, rec.port ? rec.port : ""};
    out->push_back(x);
  }
  ladon_trace_reader_close(r);
  return rc;
}

TEST(TraceText, ReadsEveryColumnOfTheFixture) {
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadAll(kData + "basic.ltr", &v, &err), 0) << err.text;
  ASSERT_EQ(v.size(), 10u);
  const ladon_tlp *t = &v[0].r.tlp;
  // Line 4: 64 bytes at 0x1000 are 16 whole DWs, both byte enables 1111b
  // (PCIe Base 6.0 §2.2.5.1); the requester ID is the one src names.
  EXPECT_EQ(v[0].r.line, 4u);
  EXPECT_EQ(v[0].r.t_ps, 0u);
  EXPECT_EQ(v[0].src, "03:10.6");
  EXPECT_EQ(v[0].r.port, nullptr);
  EXPECT_EQ(v[0].r.dir, LADON_TRACE_DIR_NONE);
  EXPECT_EQ(t->type, LADON_TLP_MWR);
  EXPECT_EQ(t->addr, 0x1000u);
  EXPECT_EQ(t->length_dw, 16u);
  EXPECT_EQ(t->first_be, 0xfu);
  EXPECT_EQ(t->last_be, 0xfu);
  EXPECT_EQ(t->req_id, LADON_TLP_ID(3, 0x10, 6));
  EXPECT_EQ(t->flags & LADON_TLP_F_ADDR64, 0u);
  // Line 6 (after a blank line): bytes 0x100000002..0x100000009 touch the
  // DWs at ...00, ...04 and ...08: 3 DW, First BE 1100b, Last BE 0011b;
  // above 4 GB the 4 DW header is used (§2.2.4.1).
  t = &v[1].r.tlp;
  EXPECT_EQ(v[1].r.line, 6u);
  EXPECT_EQ(t->type, LADON_TLP_MRD);
  EXPECT_EQ(t->addr, 0x100000000u);
  EXPECT_EQ(t->length_dw, 3u);
  EXPECT_EQ(t->first_be, 0xcu);
  EXPECT_EQ(t->last_be, 0x3u);
  EXPECT_EQ(t->tag, 5u);
  EXPECT_NE(t->flags & LADON_TLP_F_ADDR64, 0u);
  // Line 7: one completion of 8 bytes: 2 DW, Byte Count 8, Lower Address 0.
  t = &v[2].r.tlp;
  EXPECT_EQ(v[2].src, "host");
  EXPECT_EQ(t->type, LADON_TLP_CPLD);
  EXPECT_EQ(t->req_id, LADON_TLP_ID(3, 0x10, 6));
  EXPECT_EQ(t->cpl_id, 0u);
  EXPECT_EQ(t->length_dw, 2u);
  EXPECT_EQ(t->byte_count, 8u);
  EXPECT_EQ(t->lower_addr, 0u);
  EXPECT_EQ(t->status, LADON_TLP_CPL_SC);
  // Line 8: src is a name, the requester ID comes from req_id.
  EXPECT_EQ(v[3].r.tlp.req_id, LADON_TLP_ID(4, 0, 0));
  // Line 9: Cpl with UR: no data, Byte Count 4 (§2.2.9.1 for a completion
  // that ends the request).
  t = &v[4].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_CPL);
  EXPECT_EQ(t->status, LADON_TLP_CPL_UR);
  EXPECT_EQ(t->length_dw, 0u);
  EXPECT_EQ(t->byte_count, 4u);
  // Line 10: ECAM offset 0x386010 = bus 03 << 20 | dev 10h << 15 | fn 6 <<
  // 12 | register 0x10 (PCIe Base 6.0 §7.2.2).
  t = &v[5].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_CFGRD0);
  EXPECT_EQ(t->target_id, LADON_TLP_ID(3, 0x10, 6));
  EXPECT_EQ(t->addr, 0x10u);
  EXPECT_EQ(t->length_dw, 1u);
  EXPECT_EQ(t->first_be, 0xfu);
  // Line 11: one byte at 0x3f8 enables byte 0 of its DW only.
  t = &v[6].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_IOWR);
  EXPECT_EQ(t->addr, 0x3f8u);
  EXPECT_EQ(t->first_be, 0x1u);
  EXPECT_EQ(t->last_be, 0u);
  // Line 12: a 64-bit FetchAdd operand is 2 DW (Table 2-15).
  t = &v[7].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_FETCHADD);
  EXPECT_EQ(t->length_dw, 2u);
  EXPECT_EQ(t->first_be, 0u);
  // Line 13: a message from its raw header: Assert_INTA (20h), local.
  t = &v[8].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_MSG);
  EXPECT_EQ(t->msg_code, 0x20u);
  EXPECT_EQ(t->msg_route, LADON_TLP_ROUTE_LOCAL);
  EXPECT_EQ(t->req_id, LADON_TLP_ID(3, 0x10, 6));
  // Line 14: hdr wins over the other columns: the header is an MWr of one
  // DW at 0x4000 although type says MRd.
  t = &v[9].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_MWR);
  EXPECT_EQ(t->addr, 0x4000u);
  EXPECT_EQ(t->length_dw, 1u);
  EXPECT_EQ(v[9].r.line, 14u);
}

TEST(TraceText, InternsNames) {
  std::vector<Rec> v;
  ladon_error err;
  ladon_trace_reader *r = ladon_trace_open((kData + "basic.ltr").c_str(), &err);
  ASSERT_NE(r, nullptr) << err.text;
  ladon_trace_record a, b, c;
  ASSERT_EQ(ladon_trace_reader_next(r, &a, &err), 1);
  ASSERT_EQ(ladon_trace_reader_next(r, &b, &err), 1);
  ASSERT_EQ(ladon_trace_reader_next(r, &c, &err), 1);
  // The same name is the same pointer, valid until close.
  EXPECT_EQ(a.src, b.src);
  EXPECT_NE(a.src, c.src);
  EXPECT_STREQ(a.src, "03:10.6");
  EXPECT_EQ(ladon_trace_reader_format(r), LADON_TRACE_LTR);
  EXPECT_FALSE(ladon_trace_reader_gzip(r));
  ladon_trace_reader_close(r);
}

TEST(TraceText, ColumnsInAnyOrderWithPortDirAndCrlf) {
  TempDir d;
  std::string p = d.file("order.ltr",
                         "#ladon-trace 1\r\n"
                         "#dir\tlen\taddr\ttype\tsrc\tt_ps\tport\tpasid\tattr\ttc\r\n"
                         "rx\t2\t0x10\tMWr\t01:00.0\t7\tsw0.up\t0x12\t2\t3\r\n"
                         "up\t4\t0x20\tMWr\t01:00.0\t7\t-\t-\t-\t-\r\n");
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadAll(p, &v, &err), 0) << err.text;
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].r.t_ps, 7u);
  EXPECT_EQ(v[0].port, "sw0.up");
  EXPECT_EQ(v[0].r.dir, LADON_TRACE_DIR_RX);
  EXPECT_EQ(v[0].r.tlp.pasid, 0x12u);
  EXPECT_NE(v[0].r.tlp.flags & LADON_TLP_F_PASID, 0u);
  EXPECT_EQ(v[0].r.tlp.attr, 2u);
  EXPECT_EQ(v[0].r.tlp.tc, 3u);
  EXPECT_EQ(v[0].r.tlp.first_be, 0x3u);  // bytes 0x10, 0x11
  EXPECT_EQ(v[1].r.port, nullptr);
  EXPECT_EQ(v[1].r.dir, LADON_TRACE_DIR_UP);
  EXPECT_EQ(v[1].r.tlp.flags & LADON_TLP_F_PASID, 0u);
}

TEST(TraceText, ExplicitByteEnablesOverrideTheDerivedOnes) {
  TempDir d;
  // A QW-aligned 2 DW write may use non-contiguous byte enables (§2.2.5.1).
  std::string p = d.file("be.ltr",
                         "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\tfbe\tlbe\n"
                         "0\t01:00.0\tMWr\t0x1000\t8\t5\ta\n");
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadAll(p, &v, &err), 0) << err.text;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].r.tlp.length_dw, 2u);
  EXPECT_EQ(v[0].r.tlp.first_be, 0x5u);
  EXPECT_EQ(v[0].r.tlp.last_be, 0xau);
}

// ---- Malformed input: one case per way a trace can be wrong -------------

struct BadCase {
  const char *name;
  std::string text;
  int line;           // expected line (0: none)
  int column;         // expected column (0: do not check)
  ladon_status code;
  const char *message; // expected substring
};

const char kHead[] = "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\thdr\n";
const char kOk[] = "1000\t01:00.0\tMWr\t0x1000\t4\t-\n";

std::vector<BadCase> BadCases() {
  std::string h = kHead, ok = kOk;
  return {
      {"WrongColumnCount", h + ok + "2000\t01:00.0\tMWr\t0x1000\n", 4, 0,
       LADON_EPARSE, "4 tab-separated columns where the header (line 2) names 6"},
      {"TooManyColumns", h + "1\t01:00.0\tMWr\t0x1000\t4\t-\textra\n", 3, 0,
       LADON_EPARSE, "7 tab-separated columns"},
      {"BadTime", h + ok + "12x\t01:00.0\tMWr\t0x1000\t4\t-\n", 4, 1,
       LADON_EPARSE, "t_ps: '12x' is not a time in integer picoseconds"},
      {"NegativeTime", h + "-5\t01:00.0\tMWr\t0x1000\t4\t-\n", 3, 1,
       LADON_EPARSE, "t_ps: '-5'"},
      {"BadLength", h + ok + "2000\t01:00.0\tMWr\t0x1000\tfour\t-\n", 4, 25,
       LADON_EPARSE, "len: 'four' is not a byte count 0..4096"},
      {"LengthTooLarge", h + "0\t01:00.0\tMWr\t0x1000\t4097\t-\n", 3, 0,
       LADON_EPARSE, "len: '4097'"},
      {"BadAddress", h + "0\t01:00.0\tMWr\t0xg000\t4\t-\n", 3, 15,
       LADON_EPARSE, "addr: '0xg000' is not a hex address"},
      {"UnknownMnemonic", h + ok + ok + "3000\t01:00.0\tMRead\t0x1000\t4\t-\n",
       5, 14, LADON_EPARSE, "type: 'MRead' is not a TLP mnemonic"},
      {"TimeGoesBack",
       h + ok + "# a comment\n" + "999\t01:00.0\tMWr\t0x1000\t4\t-\n", 5, 0,
       LADON_EPARSE, "time goes back: t_ps 999 is before 1000 of the previous line (3)"},
      {"BadHexInHdr", h + "0\t01:00.0\tMWr\t0x1000\t4\t40000001 0386zz0f 00004000\n",
       3, 24, LADON_EPARSE, "hdr: 'z' at offset 13 is not a hex digit"},
      {"HdrNotAHeader", h + "0\t01:00.0\tMWr\t0x1000\t4\t40000001 0386000f\n", 3,
       24, LADON_EPARSE, "hdr:"},
      {"HdrTooLong",
       h + "0\t01:00.0\tMWr\t0x1000\t4\t40000001 0386000f 00004000 00000000 "
           "00000000 00000000\n",
       3, 24, LADON_EPARSE, "more than 20 bytes"},
      {"MissingRequiredColumn",
       "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\n0\ta\tMWr\t0x0\n", 2, 0,
       LADON_EPARSE, "the header lacks the required column 'len'"},
      {"DuplicateColumn",
       "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\tsrc\n", 2, 0, LADON_EPARSE,
       "header names column 'src' twice"},
      {"HeaderNotComment", "#ladon-trace 1\nt_ps\tsrc\ttype\taddr\tlen\n", 2, 0,
       LADON_EPARSE, "line 2 must be the '#' header"},
      {"NoHeader", "#ladon-trace 1\n", 2, 0, LADON_EPARSE,
       "the file ends before the column header"},
      {"WrongVersion", "#ladon-trace 2\n#t_ps\tsrc\ttype\taddr\tlen\n", 1, 0,
       LADON_EPARSE, "trace version '2' is not supported"},
      {"WrongMagic", "ladon trace 1\n#t_ps\n", 0, 0, LADON_EPARSE,
       "not a Ladon trace"},
      {"EmptyFile", "", 0, 0, LADON_EPARSE, "empty file"},
      {"BadRequesterId",
       "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\treq_id\n0\tx\tMWr\t0x0\t4\t3:10.9\n",
       3, 0, LADON_EPARSE, "req_id: '3:10.9' is not a routing ID bb:dd.f"},
      {"BadStatus",
       "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\tstatus\n0\tx\tCpl\t-\t0\tOK\n",
       3, 0, LADON_EPARSE, "status: 'OK' is not SC, UR, CRS or CA"},
      {"BadDirection",
       "#ladon-trace 1\n#t_ps\tsrc\ttype\taddr\tlen\tdir\n0\tx\tMWr\t0x0\t4\tin\n",
       3, 0, LADON_EPARSE, "dir: 'in' is not -, rx, tx, down or up"},
      {"EmptySource", h + "0\t\tMWr\t0x1000\t4\t-\n", 3, 3, LADON_EPARSE,
       "src: a name is 1..255 bytes"},
      {"DashSource", h + "0\t-\tMWr\t0x1000\t4\t-\n", 3, 3, LADON_EPARSE,
       "not '-'"},
      {"MessageWithoutHdr", h + "0\t01:00.0\tMsg\t-\t0\t-\n", 3, 11,
       LADON_EPARSE, "Msg needs the hdr column"},
      {"CompletionWithAddress", h + "0\t01:00.0\tCplD\t0x40\t4\t-\n", 3, 16,
       LADON_EPARSE, "CplD carries no address: addr must be '-'"},
      {"RequestWithoutAddress", h + "0\t01:00.0\tMRd\t-\t4\t-\n", 3, 15,
       LADON_EPARSE, "MRd needs an address"},
      {"CrossesFourKiB", h + "0\t01:00.0\tMWr\t0xff0\t32\t-\n", 3, 0,
       LADON_ESPEC, "cross a 4 KB boundary (PCIe Base 6.0 §2.2.7.1)"},
      {"CfgAddressBeyondEcam", h + "0\trc\tCfgRd0\t0x10000000\t4\t-\n", 3, 0,
       LADON_EPARSE, "is not an ECAM offset"},
      {"LineTooLong", h + "0\t" + std::string(70000, 'a') + "\tMWr\t0x0\t4\t-\n",
       3, 0, LADON_EPARSE, "line is longer than 65536 bytes"},
  };
}

class TraceBadLine : public ::testing::TestWithParam<BadCase> {};

TEST_P(TraceBadLine, IsReportedAtItsLine) {
  const BadCase &c = GetParam();
  TempDir d;
  std::string p = d.file("bad.ltr", c.text);
  std::vector<Rec> v;
  ladon_error err;
  int rc = ReadAll(p, &v, &err);
  ASSERT_LT(rc, 0) << "accepted: " << c.name;
  EXPECT_EQ(err.code, c.code) << err.text;
  EXPECT_EQ(std::string(err.file), p);
  EXPECT_EQ(err.line, c.line) << err.text;
  if (c.column) {
    EXPECT_EQ(err.column, c.column) << err.text;
  }
  EXPECT_NE(std::string(err.text).find(c.message), std::string::npos)
      << "message: " << err.text;
  // The formatted message starts with FILE:LINE.
  char buf[1024];
  std::string f = ladon_error_format(&err, buf, sizeof buf);
  std::string where = c.line ? p + ":" + std::to_string(c.line) + ":" : p + ": ";
  EXPECT_EQ(f.rfind(where, 0), 0u) << f;
}

INSTANTIATE_TEST_SUITE_P(Cases, TraceBadLine, ::testing::ValuesIn(BadCases()),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(TraceText, ErrorsAreSticky) {
  TempDir d;
  std::string p = d.file("sticky.ltr", std::string(kHead) + "x\ta\tMWr\t0x0\t4\t-\n" + kOk);
  ladon_error err;
  ladon_trace_reader *r = ladon_trace_open(p.c_str(), &err);
  ASSERT_NE(r, nullptr);
  ladon_trace_record rec;
  ASSERT_EQ(ladon_trace_reader_next(r, &rec, &err), -1);
  std::string first = err.text;
  ladon_error_clear(&err);
  // The next line is fine, but the reader keeps failing with the same error.
  EXPECT_EQ(ladon_trace_reader_next(r, &rec, &err), -1);
  EXPECT_EQ(first, err.text);
  EXPECT_EQ(err.line, 3);
  ladon_trace_reader_close(r);
}

TEST(TraceText, CommentsAndBlankLinesCountAsLines) {
  TempDir d;
  std::string p = d.file("c.ltr", std::string(kHead) + "\n# note\n\n" + kOk);
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadAll(p, &v, &err), 0) << err.text;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].r.line, 6u);
}

TEST(TraceText, MissingFileIsAnIoError) {
  ladon_error err;
  ladon_error_clear(&err);
  EXPECT_EQ(ladon_trace_open("/nonexistent/dir/x.ltr", &err), nullptr);
  EXPECT_EQ(err.code, LADON_EIO);
  EXPECT_STREQ(err.file, "/nonexistent/dir/x.ltr");
  ladon_trace_reader_close(nullptr);  // a no-op
}

TEST(TraceText, LenColumnOfEachKind) {
  // ladon_trace_len_bytes() is what the writer puts in `len`.
  ladon_tlp t{};
  t.type = LADON_TLP_MRD;
  ASSERT_EQ(ladon_tlp_set_range(&t, 0x1003, 6, nullptr), LADON_OK);
  EXPECT_EQ(ladon_trace_len_bytes(&t), 6u);  // 0x1003..0x1008
  ASSERT_EQ(ladon_tlp_set_range(&t, 0x1000, 0, nullptr), LADON_OK);
  EXPECT_EQ(ladon_trace_len_bytes(&t), 0u);  // zero-length read
  ladon_tlp c{};
  c.type = LADON_TLP_CPLD;
  c.length_dw = 16;
  c.byte_count = 256;
  c.lower_addr = 0x40;
  EXPECT_EQ(ladon_trace_len_bytes(&c), 64u);  // first of four 64 B pieces
  c.length_dw = 1;
  c.byte_count = 2;
  c.lower_addr = 0x2;
  EXPECT_EQ(ladon_trace_len_bytes(&c), 2u);  // 2 bytes from byte 2 of a DW
  ladon_tlp a{};
  a.type = LADON_TLP_CAS;
  a.length_dw = 4;
  EXPECT_EQ(ladon_trace_len_bytes(&a), 16u);  // two 8-byte operands
  EXPECT_EQ(ladon_trace_len_bytes(nullptr), 0u);
}

TEST(TraceText, FormatNames) {
  EXPECT_EQ(ladon_trace_format_from_path("a/b.ltr.gz"), LADON_TRACE_LTR);
  EXPECT_EQ(ladon_trace_format_from_path("b.LTB"), LADON_TRACE_LTB);
  EXPECT_EQ(ladon_trace_format_from_path("b.ltb.gz"), LADON_TRACE_LTB);
  EXPECT_EQ(ladon_trace_format_from_path("b.gz"), LADON_TRACE_AUTO);
  EXPECT_EQ(ladon_trace_format_from_path("ltr"), LADON_TRACE_AUTO);
  EXPECT_EQ(ladon_trace_format_from_name("mmiotrace"), LADON_TRACE_MMIOTRACE);
  EXPECT_EQ(ladon_trace_format_from_name("nope"), LADON_TRACE_AUTO);
  EXPECT_STREQ(ladon_trace_format_name(LADON_TRACE_CSV), "csv");
  EXPECT_STREQ(ladon_trace_dir_name(LADON_TRACE_DIR_DOWN), "down");
  EXPECT_STREQ(ladon_trace_dir_name((ladon_trace_dir)9), "?");
}

}  // namespace
