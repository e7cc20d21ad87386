// Importers: protocol-analyzer CSV through a JSON column map, and Linux
// mmiotrace logs, into the same record stream as .ltr and .ltb.
#include "test_temp_file.h"
#include <gtest/gtest.h>

#include <cstdlib>
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
  std::string src;
};

int Drain(ladon_trace_reader *r, std::vector<Rec> *v, ladon_error *err) {
  ladon_trace_record rec;
  int rc;
  while ((rc = ladon_trace_reader_next(r, &rec, err)) == 1) v->push_back({rec, rec.src});
  ladon_trace_reader_close(r);
  return rc;
}

int ReadCsv(const std::string &csv, const std::string &map, std::vector<Rec> *v,
            ladon_error *err) {
  ladon_error_clear(err);
  ladon_trace_reader *r = ladon_trace_open_csv(csv.c_str(), map.c_str(), err);
  return r ? Drain(r, v, err) : -2;
}

int ReadMmio(const std::string &path, const char *src, std::vector<Rec> *v, ladon_error *err) {
  ladon_error_clear(err);
  ladon_trace_reader *r = ladon_trace_open_mmiotrace(path.c_str(), src, err);
  return r ? Drain(r, v, err) : -2;
}

// ---- CSV ----------------------------------------------------------------

TEST(TraceCsv, ImportsTheAnalyzerFixture) {
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadCsv(kData + "analyzer.csv", kData + "analyzer-map.json", &v, &err), 0)
      << err.file << ":" << err.line << ": " << err.text;
  ASSERT_EQ(v.size(), 4u);  // the DLLP row is skipped
  // Times in ns, rebased to the first TLP at -10 ns: 0, 10, 22.25, 30 ns.
  EXPECT_EQ(v[0].r.t_ps, 0u);
  EXPECT_EQ(v[1].r.t_ps, 10000u);
  EXPECT_EQ(v[2].r.t_ps, 22250u);
  EXPECT_EQ(v[3].r.t_ps, 30000u);
  EXPECT_EQ(v[0].r.line, 3u);  // lines of the CSV file
  EXPECT_EQ(v[2].r.line, 6u);
  // Row 1: "Mem Rd 64" of 16 DW at 4 GiB: MRd, 64 bytes, 64-bit header.
  const ladon_tlp *t = &v[0].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_MRD);
  EXPECT_EQ(t->addr, 0x100000000u);
  EXPECT_EQ(t->length_dw, 16u);
  EXPECT_EQ(t->tag, 3u);
  EXPECT_NE(t->flags & LADON_TLP_F_ADDR64, 0u);
  EXPECT_EQ(v[0].src, "01:00.0");  // no src column: the requester sends
  EXPECT_EQ(t->req_id, LADON_TLP_ID(1, 0, 0));
  // Row 4: the completion is sent by its completer, 16 DW = 64 bytes.
  t = &v[2].r.tlp;
  EXPECT_EQ(t->type, LADON_TLP_CPLD);
  EXPECT_EQ(v[2].src, "00:00.0");
  EXPECT_EQ(t->cpl_id, 0u);
  EXPECT_EQ(t->req_id, LADON_TLP_ID(1, 0, 0));
  EXPECT_EQ(t->byte_count, 64u);
  EXPECT_EQ(t->length_dw, 16u);
  // Row 5: a quoted requester ID, 1 DW write.
  EXPECT_EQ(v[3].r.tlp.type, LADON_TLP_MWR);
  EXPECT_EQ(v[3].r.tlp.addr, 0x2000u);
  EXPECT_EQ(v[3].r.tlp.first_be, 0xfu);
  ladon_trace_reader *r = ladon_trace_open_csv((kData + "analyzer.csv").c_str(),
                                               (kData + "analyzer-map.json").c_str(), &err);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(ladon_trace_reader_format(r), LADON_TRACE_CSV);
  ladon_trace_reader_close(r);
}

TEST(TraceCsv, ColumnsByNumberUnitsScaleAndQuotes) {
  TempDir d;
  // No header; semicolons; time in ticks of 8 ns given in us with a scale;
  // a unit after the number wins over time_unit; quotes with "" inside.
  std::string csv = d.file("n.csv",
                           "0.001;MWr;0x1000;64;\"dev \"\"a\"\"\"\n"
                           "0.002;MWr;0x2000;4;b\n"
                           "3 ns;MRd;0x3000;8;b\n");
  std::string map = d.file("m.json",
                           R"({"header_line": 0, "delimiter": ";",
                               "columns": {"time": 1, "type": 2, "addr": 3, "len": 4, "src": 5},
                               "time_unit": "us", "time_scale": 8})");
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadCsv(csv, map, &v, &err), 0) << err.line << ": " << err.text;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].r.t_ps, 8000u);   // 0.001 us * 8 = 8 ns
  EXPECT_EQ(v[1].r.t_ps, 16000u);  // 0.002 us * 8
  EXPECT_EQ(v[2].r.t_ps, 24000u);  // 3 ns * 8
  EXPECT_EQ(v[0].src, "dev \"a\"");
  EXPECT_EQ(v[0].r.tlp.length_dw, 16u);
  EXPECT_EQ(v[2].r.tlp.type, LADON_TLP_MRD);
}

struct CsvBad {
  const char *name;
  std::string csv, map;
  bool map_error;     // the error names the map file
  int line;
  const char *message;
};

const char kMap[] = R"({"columns": {"time": "t", "type": "k", "addr": "a", "len": "n", "src": "s"}})";

std::vector<CsvBad> CsvBadCases() {
  std::string hdr = "t,k,a,n,s\n";
  return {
      {"JsonSyntax", hdr, "{\"columns\": {\n  \"time\" \"t\"}}", true, 2,
       "':' expected"},
      {"UnknownKey", hdr, R"({"delimter": ",", "columns": {}})", true, 0,
       "unknown key 'delimter' ($.delimter)"},
      {"BadValue", hdr, R"({"time_unit": "fortnight", "columns": {}})", true, 0,
       "bad value for 'time_unit' (see docs/trace-format.md) ($.time_unit)"},
      {"UnknownOurColumn", hdr, R"({"columns": {"when": "t"}})", true, 0,
       "'when' is not one of our columns"},
      {"MissingRequired", hdr, R"({"columns": {"time": "t", "type": "k", "addr": "a", "src": "s"}})",
       true, 0, "the map must name a column for 'len' ($.columns)"},
      {"BadTypeAlias", hdr,
       R"({"columns": {"time": "t", "type": "k", "addr": "a", "len": "n", "src": "s"},
           "types": {"Rd": "Read"}})",
       true, 0, "'Read' is not a TLP mnemonic"},
      {"HeaderLacksColumn", "t,k,a,len,s\n", kMap, false, 1,
       "the header has no column 'n'"},
      {"UnknownType", hdr + "1,MWr,0x0,4,x\n2,Mem Write,0x0,4,x\n", kMap, false, 3,
       "type 'Mem Write' is neither a TLP mnemonic nor in the map's \"types\""},
      {"NegativeTime", hdr + "-1,MWr,0x0,4,x\n", kMap, false, 2,
       "time '-1' is negative; set \"rebase\": true"},
      {"BadTime", hdr + "1.2.3,MWr,0x0,4,x\n", kMap, false, 2, "time '1.2.3' is not a decimal"},
      {"HugeTime", hdr + "1e999,MWr,0x0,4,x\n", kMap, false, 2, "time '1e999' is out of range"},
      {"ShortRow", hdr + "1,MWr,0x0\n", kMap, false, 2, "3 fields; the map reads 'src' from field 5"},
      {"UnterminatedQuote", hdr + "1,MWr,0x0,4,\"x\n", kMap, false, 2, "unterminated quoted field"},
      {"TimeGoesBack", hdr + "5,MWr,0x0,4,x\n4,MWr,0x0,4,x\n", kMap, false, 3,
       "time goes back: t_ps 4 is before 5 of the previous line (2)"},
      {"BadAddress", hdr + "1,MWr,zz,4,x\n", kMap, false, 2, "addr: 'zz' is not a hex address"},
  };
}

class TraceCsvBad : public ::testing::TestWithParam<CsvBad> {};

TEST_P(TraceCsvBad, IsReportedWhereItIs) {
  const CsvBad &c = GetParam();
  TempDir d;
  std::string csv = d.file("in.csv", c.csv), map = d.file("map.json", c.map);
  std::vector<Rec> v;
  ladon_error err;
  EXPECT_LT(ReadCsv(csv, map, &v, &err), 0) << c.name;
  EXPECT_EQ(std::string(err.file), c.map_error ? map : csv);
  EXPECT_EQ(err.line, c.line) << err.text;
  EXPECT_NE(std::string(err.text).find(c.message), std::string::npos) << err.text;
}

INSTANTIATE_TEST_SUITE_P(Cases, TraceCsvBad, ::testing::ValuesIn(CsvBadCases()),
                         [](const auto &info) { return std::string(info.param.name); });

TEST(TraceCsv, SkipUnknownTypesWhenAsked) {
  TempDir d;
  std::string csv = d.file("in.csv", "t,k,a,n,s\n1,Ordered Set,,,\n2,MWr,0x0,4,x\n");
  std::string map = d.file("m.json", R"({"skip_unknown_types": true,
      "columns": {"time": "t", "type": "k", "addr": "a", "len": "n", "src": "s"}})");
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadCsv(csv, map, &v, &err), 0) << err.text;
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].r.t_ps, 2u);
}

// ---- mmiotrace ----------------------------------------------------------

TEST(TraceMmio, ImportsReadsAndWrites) {
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadMmio(kData + "mmiotrace.txt", nullptr, &v, &err), 0)
      << err.line << ": " << err.text;
  ASSERT_EQ(v.size(), 5u);  // VERSION, PCIDEV, MAP, MARK, UNMAP carry no TLP
  // "R 4 0.254815 ...": 0.254815 s = 254 815 000 000 ps.
  EXPECT_EQ(v[0].r.t_ps, 254815000000ull);
  EXPECT_EQ(v[0].r.line, 4u);
  EXPECT_EQ(v[0].src, "cpu");
  EXPECT_EQ(v[0].r.tlp.type, LADON_TLP_MRD);
  EXPECT_EQ(v[0].r.tlp.addr, 0xfd000000u);
  EXPECT_EQ(v[0].r.tlp.length_dw, 1u);
  EXPECT_EQ(v[0].r.tlp.first_be, 0xfu);
  EXPECT_EQ(v[1].r.tlp.type, LADON_TLP_MWR);
  EXPECT_EQ(v[1].r.t_ps, 254820000000ull);
  // One byte at ...03 is byte 3 of its DW: First BE 1000b (§2.2.5.1).
  EXPECT_EQ(v[2].r.tlp.first_be, 0x8u);
  // Two bytes at ...102: bytes 2 and 3, First BE 1100b.
  EXPECT_EQ(v[3].r.tlp.first_be, 0xcu);
  EXPECT_EQ(v[3].r.tlp.addr, 0xfd000100u);
  // Eight bytes above 4 GB: 2 DW, 64-bit header.
  EXPECT_EQ(v[4].r.tlp.length_dw, 2u);
  EXPECT_EQ(v[4].r.tlp.last_be, 0xfu);
  EXPECT_NE(v[4].r.tlp.flags & LADON_TLP_F_ADDR64, 0u);
  EXPECT_EQ(v[4].r.tlp.req_id, 0u);
}

TEST(TraceMmio, RequesterFromSrc) {
  std::vector<Rec> v;
  ladon_error err;
  ASSERT_EQ(ReadMmio(kData + "mmiotrace.txt", "00:01.0", &v, &err), 0) << err.text;
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].src, "00:01.0");
  EXPECT_EQ(v[0].r.tlp.req_id, LADON_TLP_ID(0, 1, 0));
}

struct MmioBad {
  const char *name;
  std::string text;
  int line;
  const char *message;
};

class TraceMmioBad : public ::testing::TestWithParam<MmioBad> {};

TEST_P(TraceMmioBad, IsReportedAtItsLine) {
  const MmioBad &c = GetParam();
  TempDir d;
  std::string p = d.file("m.txt", c.text);
  std::vector<Rec> v;
  ladon_error err;
  EXPECT_LT(ReadMmio(p, nullptr, &v, &err), 0);
  EXPECT_EQ(std::string(err.file), p);
  EXPECT_EQ(err.line, c.line) << err.text;
  EXPECT_NE(std::string(err.text).find(c.message), std::string::npos) << err.text;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TraceMmioBad,
    ::testing::Values(
        MmioBad{"BadWidth", "VERSION 20070824\nR 3 0.1 1 0x1000 0x0 0x0 0\n", 2,
                "width '3' is not 1, 2, 4 or 8 bytes"},
        MmioBad{"FewFields", "W 4 0.1 1 0x1000\n", 1, "W record has 5 fields; expected 8"},
        MmioBad{"UnknownRecord", "Q 1 2\n", 1, "'Q' is not an mmiotrace record"},
        MmioBad{"OtherVersion", "VERSION 20060101\n", 1,
                "mmiotrace log version '20060101' is not supported"},
        MmioBad{"BadTime", "R 4 0.1x 1 0x1000 0x0 0x0 0\n", 1, "timestamp '0.1x'"},
        MmioBad{"BadAddress", "R 4 0.1 1 0xfg 0x0 0x0 0\n", 1, "physical address '0xfg'"},
        MmioBad{"TimeGoesBack",
                "R 4 0.2 1 0x1000 0x0 0x0 0\nMARK 0.0 x\nR 4 0.1 1 0x1000 0x0 0x0 0\n", 3,
                "time goes back: t_ps 100000000000 is before 200000000000 of the previous line (1)"}),
    [](const auto &info) { return std::string(info.param.name); });

}  // namespace
