// The strict JSON reader: jansson validation, the position index, JSON
// paths, typed members, unknown keys and parameters, all reported as
// FILE:LINE:COL: message (JSON path).
//
// Expected lines and columns are counted by hand in the fixture texts
// (tests/data/json/*.json), 1-based, columns in Unicode code points.
#include <gtest/gtest.h>

#include <dirent.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "fabric/json_int.h"
#include "ladon/component.h"
}

// The fuzz entry point, run over the committed corpus below.
#include "tests/fuzz/fuzz_json.c"

namespace {

const std::string kData = std::string(LADON_SOURCE_DIR) + "/tests/data/json/";

struct Doc {
  ladon__json_doc *doc = nullptr;
  ladon_error err;
  explicit Doc(const std::string &text, const char *name = "t.json") {
    ladon_error_clear(&err);
    doc = ladon__json_load_buffer(name, text.data(), text.size(), &err);
  }
  ~Doc() { ladon__json_free(doc); }
};

std::string formatted(const ladon_error &e) {
  char buf[1024];
  return ladon_error_format(&e, buf, sizeof buf);
}

// Follows a path of keys / indices ("components", 0, "name") from the root.
ladon__json_node walk(const ladon__json_doc *doc,
                      std::initializer_list<const char *> steps) {
  ladon__json_node n = 0;
  for (const char *s : steps) {
    if (s[0] == '#')
      n = ladon__json_child(doc, n, std::stoul(s + 1));
    else
      n = ladon__json_find(doc, n, s);
    if (n == LADON__JSON_NONE) return n;
  }
  return n;
}

std::string path_of(const ladon__json_doc *doc, ladon__json_node n) {
  char buf[256];
  ladon__json_path(doc, n, buf, sizeof buf);
  return buf;
}

class Topology : public ::testing::Test {
 protected:
  void SetUp() override {
    ladon_error_clear(&err);
    doc = ladon__json_load_file((kData + "topology_small.json").c_str(), &err);
    ASSERT_NE(doc, nullptr) << formatted(err);
  }
  void TearDown() override { ladon__json_free(doc); }
  void expect_at(std::initializer_list<const char *> steps, int line, int col,
                 const std::string &path) {
    ladon__json_node n = walk(doc, steps);
    ASSERT_NE(n, LADON__JSON_NONE) << path;
    EXPECT_EQ(ladon__json_line(doc, n), line) << path;
    EXPECT_EQ(ladon__json_column(doc, n), col) << path;
    EXPECT_EQ(path_of(doc, n), path);
  }
  ladon__json_doc *doc = nullptr;
  ladon_error err;
};

TEST_F(Topology, RecordsThePositionOfEveryValue) {
  expect_at({}, 1, 1, "$");
  expect_at({"name"}, 2, 11, "$.name");                    // `  "name": "`
  expect_at({"components"}, 3, 17, "$.components");        // after 12-col key
  expect_at({"components", "#0"}, 4, 5, "$.components[0]");
  expect_at({"components", "#0", "name"}, 4, 14, "$.components[0].name");
  expect_at({"components", "#0", "type"}, 4, 29, "$.components[0].type");
  expect_at({"components", "#0", "params"}, 5, 16,
            "$.components[0].params");
  expect_at({"components", "#0", "params", "latency"}, 5, 28,
            "$.components[0].params.latency");
  expect_at({"components", "#0", "params", "ports"}, 5, 46,
            "$.components[0].params.ports");
  expect_at({"components", "#1"}, 6, 5, "$.components[1]");
  expect_at({"links", "#0", "b"}, 9, 26, "$.links[0].b");
  // Columns count code points: "ünïcödé" is 7 characters but 14 bytes.
  expect_at({"ünïcödé"}, 11, 14, "$[\"ünïcödé\"]");
  expect_at({"ünïcödé", "#1"}, 11, 21, "$[\"ünïcödé\"][1]");
  expect_at({"odd key.with \"quotes\""}, 12, 30,
            "$[\"odd key.with \\\"quotes\\\"\"]");
  expect_at({"odd key.with \"quotes\"", "#4"}, 12, 51,
            "$[\"odd key.with \\\"quotes\\\"\"][4]");
  // An escaped key is found by its decoded text.
  expect_at({"esc\xc3\xa9"}, 13, 16, "$[\"escé\"]");
}

TEST_F(Topology, RecordsKeyPositionsAndStructure) {
  ladon__json_node b = walk(doc, {"links", "#0", "b"});
  EXPECT_EQ(ladon__json_key_line(doc, b), 9);
  EXPECT_EQ(ladon__json_key_column(doc, b), 21);
  EXPECT_STREQ(ladon__json_key(doc, b), "b");
  ladon__json_node links0 = walk(doc, {"links", "#0"});
  EXPECT_EQ(ladon__json_parent(doc, b), links0);
  EXPECT_EQ(ladon__json_size(doc, links0), 4u);
  EXPECT_STREQ(ladon__json_key(doc, ladon__json_child(doc, links0, 3)),
               "width");
  EXPECT_EQ(ladon__json_child(doc, links0, 4), LADON__JSON_NONE);
  EXPECT_EQ(ladon__json_key(doc, links0), nullptr) << "array element";
  EXPECT_EQ(ladon__json_size(doc, 0), 6u);
  // Every value in the text has one node: root 1, name 1, components 1 +
  // 7 + 5, links 1 + 1 + 4, "ünïcödé" 1 + 2, odd key 1 + 5, "escé" 1.
  EXPECT_EQ(ladon__json_count(doc), 31u);
  EXPECT_STREQ(ladon__json_name(doc),
               (kData + "topology_small.json").c_str());
  json_t *w = ladon__json_value(doc, walk(doc, {"links", "#0", "width"}));
  EXPECT_EQ(json_integer_value(w), 16);
}

TEST_F(Topology, ErrorsNameFileLineColumnAndPath) {
  ladon__json_node b = walk(doc, {"links", "#0", "b"});
  ladon__json_error(doc, b, &err, LADON_ENOENT, "port '%s' does not exist",
                    "ntb0.up");
  EXPECT_EQ(err.code, LADON_ENOENT);
  EXPECT_EQ(formatted(err), kData + "topology_small.json:9:26: port "
                                    "'ntb0.up' does not exist ($.links[0].b)");
  ladon__json_key_error(doc, b, &err, LADON_EPARSE, "bad key");
  EXPECT_EQ(err.column, 21);
}

TEST_F(Topology, TypedMembers) {
  ladon__json_node c0 = walk(doc, {"components", "#0"});
  const char *s = "unchanged";
  EXPECT_EQ(ladon__json_get_string(doc, c0, "name", true, &s, &err), LADON_OK);
  EXPECT_STREQ(s, "sw0");
  s = "default";
  EXPECT_EQ(ladon__json_get_string(doc, c0, "label", false, &s, &err),
            LADON_OK);
  EXPECT_STREQ(s, "default") << "absent optional member leaves the default";
  EXPECT_EQ(ladon__json_get_string(doc, c0, "label", true, &s, &err),
            LADON_ENOENT);
  EXPECT_EQ(formatted(err), kData + "topology_small.json:4:5: missing "
                                    "required key \"label\" "
                                    "($.components[0])");
  ladon__json_node params = walk(doc, {"components", "#0", "params"});
  uint64_t u = 0;
  EXPECT_EQ(ladon__json_get_u64(doc, params, "ports", true, &u, &err),
            LADON_OK);
  EXPECT_EQ(u, 8u);
  EXPECT_EQ(ladon__json_get_time_ps(doc, params, "latency", true, &u, &err),
            LADON_OK);
  EXPECT_EQ(u, 150000u);  // 150 * 10^3 ps
  EXPECT_EQ(ladon__json_get_u64(doc, params, "mode", true, &u, &err),
            LADON_EPARSE);
  EXPECT_EQ(formatted(err),
            kData + "topology_small.json:5:57: expected a non-negative "
                    "integer such as \"42\" or \"0x2a\", got \"cut_through\" "
                    "($.components[0].params.mode)");
  EXPECT_EQ(ladon__json_get_time_ps(doc, params, "ports", true, &u, &err),
            LADON_EPARSE);
  EXPECT_EQ(formatted(err),
            kData + "topology_small.json:5:46: expected a string with a unit "
                    "such as \"120ns\", got an integer "
                    "($.components[0].params.ports)");
  ladon__json_node m;
  EXPECT_EQ(ladon__json_member(doc, 0, "components",
                               LADON__JSON_OBJECT | LADON__JSON_NULL, true, &m,
                               &err),
            LADON_EPARSE);
  EXPECT_EQ(formatted(err), kData + "topology_small.json:3:17: expected an "
                                    "object or null, got an array "
                                    "($.components)");
  EXPECT_EQ(ladon__json_member(doc, m = walk(doc, {"name"}), "x",
                               LADON__JSON_ANY, false, &m, &err),
            LADON_EPARSE)
      << "asking a string for a member";
}

TEST(JsonGet, IntegersStringsAndUnits) {
  Doc d(R"({"a": -1, "b": "0xffffffffffffffff", "c": 1.5, "d": "4KiB",
"e": "4KB", "f": true, "g": "010"})");
  ASSERT_NE(d.doc, nullptr) << d.err.text;
  uint64_t u = 0;
  ladon_error err;
  EXPECT_EQ(ladon__json_get_u64(d.doc, 0, "a", true, &u, &err), LADON_ERANGE);
  EXPECT_EQ(formatted(err),
            "t.json:1:7: expected a non-negative integer, got -1 ($.a)");
  EXPECT_EQ(ladon__json_get_u64(d.doc, 0, "b", true, &u, &err), LADON_OK);
  EXPECT_EQ(u, UINT64_MAX) << "above 2^63 via a hex string";
  EXPECT_EQ(ladon__json_get_u64(d.doc, 0, "c", true, &u, &err), LADON_EPARSE);
  EXPECT_STREQ(err.text, "expected a string or an integer, got a number ($.c)");
  EXPECT_EQ(ladon__json_get_size_bytes(d.doc, 0, "d", true, &u, &err),
            LADON_OK);
  EXPECT_EQ(u, 4096u);
  EXPECT_EQ(ladon__json_get_size_bytes(d.doc, 0, "e", true, &u, &err),
            LADON_EPARSE);
  EXPECT_EQ(err.line, 2);
  EXPECT_EQ(err.column, 6);
  bool f = false;
  EXPECT_EQ(ladon__json_get_bool(d.doc, 0, "f", true, &f, &err), LADON_OK);
  EXPECT_TRUE(f);
  EXPECT_EQ(ladon__json_get_bool(d.doc, 0, "d", true, &f, &err), LADON_EPARSE);
  EXPECT_EQ(ladon__json_get_u64(d.doc, 0, "g", true, &u, &err), LADON_EPARSE);
  EXPECT_NE(std::string(err.text).find("leading zero"), std::string::npos);
}

TEST(JsonGet, UnitErrorsFromAFile) {
  ladon_error err;
  ladon_error_clear(&err);
  std::string file = kData + "bad_unit.json";
  ladon__json_doc *doc = ladon__json_load_file(file.c_str(), &err);
  ASSERT_NE(doc, nullptr);
  ladon__json_node params;
  ASSERT_EQ(ladon__json_member(doc, 0, "params", LADON__JSON_OBJECT, true,
                               &params, &err),
            LADON_OK);
  uint64_t ps = 1;
  EXPECT_EQ(ladon__json_get_time_ps(doc, params, "latency", true, &ps, &err),
            LADON_EPARSE);
  EXPECT_EQ(ps, 1u);
  // Line 3 is `    "latency": "120nz"`: the value starts in column 16.
  EXPECT_EQ(formatted(err),
            file + ":3:16: expected a time such as \"120ns\" (units ps, ns, "
                   "us, ms, s), got \"120nz\" ($.params.latency)");
  ladon__json_free(doc);
}

TEST(JsonKeys, UnknownKeysGetASuggestionAtTheKey) {
  ladon_error err;
  ladon_error_clear(&err);
  std::string file = kData + "unknown_key.json";
  ladon__json_doc *doc = ladon__json_load_file(file.c_str(), &err);
  ASSERT_NE(doc, nullptr);
  ladon__json_node c0 = walk(doc, {"components", "#0"});
  const char *allowed[] = {"name", "type", "latency", "params"};
  EXPECT_EQ(ladon__json_check_keys(doc, c0, allowed, 4, &err), LADON_EPARSE);
  // Line 3 is `    {"name": "sw0", "type": "test_widget", "latncy": "1ns"}`.
  EXPECT_EQ(formatted(err),
            file + ":3:44: unknown key \"latncy\" (did you mean \"latency\"?) "
                   "($.components[0].latncy)");
  const char *few[] = {"name", "type"};
  EXPECT_EQ(ladon__json_check_keys(doc, c0, few, 2, &err), LADON_EPARSE);
  EXPECT_STREQ(err.text,
               "unknown key \"latncy\" (expected one of: name, type) "
               "($.components[0].latncy)");
  EXPECT_EQ(ladon__json_check_keys(doc, 0, allowed, 4, &err), LADON_EPARSE)
      << "'components' is not allowed at the root";
  const char *root[] = {"components"};
  EXPECT_EQ(ladon__json_check_keys(doc, 0, root, 1, &err), LADON_OK);
  ladon__json_free(doc);
}

TEST(JsonSyntax, ErrorsPointAtTheOffendingToken) {
  const struct {
    std::string text;
    int line, col;
    const char *message;
  } cases[] = {
      // jansson reports the end of 'tru'; the index points at its start.
      {"{\"a\": tru}", 1, 7, "invalid JSON: invalid token near 'tru'"},
      {"{\"a\":1,\"a\":2}", 1, 8,
       "invalid JSON: duplicate object key near '\"a\"'"},
      {"[1,\n 2,\n", 3, 1, "invalid JSON: ']' expected near end of file"},
      {"", 1, 1, "invalid JSON: unexpected token near end of file"},
      {"[1, \xff]", 1, 5, "invalid JSON: unable to decode byte 0xff"},
      {"[\"\xc3\xa9\xc3\xa9\", x]", 1, 8, "invalid JSON: invalid token near 'x'"},
      {"[1]\n\n x", 3, 2, "invalid JSON: end of file expected near 'x'"},
      {"{\"k\":\"\\u0000\"}", 1, 6,
       "invalid JSON: \\u0000 is not allowed without JSON_ALLOW_NUL near "
       "'\"\\u0000\"'"},
      {"[1,]", 1, 4, "invalid JSON: unexpected token near ']'"},
      {"\xef\xbb\xbf{}", 1, 1, "invalid JSON: invalid token near '\xef\xbb\xbf'"},
      {"[\"a\tb\"]", 1, 2, "invalid JSON: control character 0x9 near '\"a'"},
      // jansson alone accepts this (found by fuzzing); NUL is never JSON.
      {std::string("[0,-0\0,1]", 9), 1, 6, "invalid JSON: NUL byte"},
      {std::string("[\"\0\"]", 5), 1, 3, "invalid JSON: NUL byte"},
  };
  for (const auto &c : cases) {
    Doc d(c.text);
    EXPECT_EQ(d.doc, nullptr) << c.text;
    EXPECT_EQ(d.err.code, LADON_EPARSE) << c.text;
    EXPECT_EQ(d.err.line, c.line) << c.text;
    EXPECT_EQ(d.err.column, c.col) << c.text;
    EXPECT_STREQ(d.err.text, c.message) << c.text;
    EXPECT_STREQ(d.err.file, "t.json");
  }
  // A duplicate key too long for jansson's "near" text: found by its quote.
  std::string k(30, 'k');
  Doc d("{\"" + k + "\":1,\n  \"" + k + "\":2}");
  EXPECT_EQ(d.err.line, 2);
  EXPECT_EQ(d.err.column, 3);
  EXPECT_STREQ(d.err.text, "invalid JSON: duplicate object key");
}

TEST(JsonSyntax, FixtureFilesReportFileLineColumn) {
  ladon_error err;
  const struct {
    const char *file;
    std::string where;
  } cases[] = {
      {"bad_token.json", ":3:11: invalid JSON: invalid token near 'tru'"},
      {"duplicate_key.json",
       ":4:3: invalid JSON: duplicate object key near '\"a\"'"},
      {"truncated.json", ":3:1: invalid JSON: ']' expected near end of file"},
  };
  for (const auto &c : cases) {
    std::string path = kData + c.file;
    ladon_error_clear(&err);
    EXPECT_EQ(ladon__json_load_file(path.c_str(), &err), nullptr);
    EXPECT_EQ(formatted(err), path + c.where);
  }
  ladon_error_clear(&err);
  std::string missing = kData + "no_such_file.json";
  EXPECT_EQ(ladon__json_load_file(missing.c_str(), &err), nullptr);
  EXPECT_EQ(err.code, LADON_EIO);
  EXPECT_EQ(formatted(err),
            missing + ": cannot open: No such file or directory");
  EXPECT_EQ(ladon__json_load_file(kData.c_str(), &err), nullptr)
      << "a directory";
  EXPECT_EQ(err.code, LADON_EIO);
}

TEST(JsonIndex, AnyTopLevelValueAndDeepNesting) {
  Doc s("  \"text\"  ");
  ASSERT_NE(s.doc, nullptr);
  EXPECT_EQ(ladon__json_count(s.doc), 1u);
  EXPECT_EQ(ladon__json_column(s.doc, 0), 3);
  // jansson's depth limit is 2048 nested containers.
  std::string deep = std::string(2048, '[') + std::string(2048, ']');
  Doc d(deep);
  ASSERT_NE(d.doc, nullptr) << d.err.text;
  EXPECT_EQ(ladon__json_count(d.doc), 2048u);
  EXPECT_EQ(ladon__json_column(d.doc, 2047), 2048);
  char path[64];
  size_t full = ladon__json_path(d.doc, 2047, path, sizeof path);
  EXPECT_EQ(full, 1 + 3 * 2047u) << "\"$\" then 2047 times \"[0]\"";
  EXPECT_EQ(std::string(path).substr(0, 4), "$...");
  EXPECT_EQ(std::string(path).size(), sizeof path - 1);
  EXPECT_EQ(std::string(path).substr(sizeof path - 4), "[0]");
  Doc too_deep(std::string(2049, '[') + std::string(2049, ']'));
  EXPECT_EQ(too_deep.doc, nullptr);
  EXPECT_NE(std::string(too_deep.err.text).find("maximum parsing depth"),
            std::string::npos);
}

TEST(JsonIndex, EscapedKeysAndWhitespace) {
  Doc d("\r\n\t{\"a\\\"b\" :\t[ 1 ,\n2 ], \"\\u0041\\n\": {}}");
  ASSERT_NE(d.doc, nullptr) << d.err.text;
  ladon__json_node ab = ladon__json_find(d.doc, 0, "a\"b");
  ASSERT_NE(ab, LADON__JSON_NONE);
  EXPECT_EQ(ladon__json_line(d.doc, ab), 2);
  EXPECT_EQ(ladon__json_column(d.doc, ab), 12);  // \t { "a\"b" sp : \t [
  EXPECT_EQ(ladon__json_line(d.doc, ladon__json_child(d.doc, ab, 1)), 3);
  ladon__json_node an = ladon__json_find(d.doc, 0, "A\n");
  ASSERT_NE(an, LADON__JSON_NONE);
  EXPECT_EQ(path_of(d.doc, an), "$[\"A\\u000a\"]");
}

TEST(JsonIndex, LargeDocumentsIndexEveryValue) {
  // The shape of a 64-host, 1,024-VF topology: one object per VF.
  std::ostringstream s;
  s << "{\"vfs\": [\n";
  const int n = 1024 * 8;
  for (int i = 0; i < n; i++)
    s << (i ? ",\n" : "") << "  {\"name\": \"vf" << i << "\", \"host\": \"h"
      << i % 64 << "\", \"bar\": \"" << 16 << "KiB\", \"tags\": [1, 2, 3]}";
  s << "\n]}\n";
  Doc d(s.str());
  ASSERT_NE(d.doc, nullptr) << d.err.text;
  // root + array + n * (object + 3 strings + array + 3 ints)
  EXPECT_EQ(ladon__json_count(d.doc), 2u + n * 8u);
  ladon__json_node last = walk(d.doc, {"vfs", "#8191", "tags", "#2"});
  EXPECT_EQ(ladon__json_line(d.doc, last), 2 + n - 1);
  EXPECT_EQ(path_of(d.doc, last), "$.vfs[8191].tags[2]");
}

// A parameter table like a model's, for the JSON → ladon_params path.
const char *const kArb[] = {"round_robin", "weighted", nullptr};
const ladon_param_desc kParams[] = {
    {"latency", LADON_PARAM_TIME, "120ns", nullptr, "latency", nullptr,
     nullptr, "1us"},
    {"ports", LADON_PARAM_U64, "4", nullptr, "ports", nullptr, "1", "32"},
    {"weight", LADON_PARAM_DOUBLE, "1", nullptr, "weight", nullptr, nullptr,
     nullptr},
    {"acs", LADON_PARAM_BOOL, "false", nullptr, "acs", nullptr, nullptr,
     nullptr},
    {"arb", LADON_PARAM_ENUM, "round_robin", nullptr, "arbitration", kArb,
     nullptr, nullptr},
    {"host", LADON_PARAM_STRING, nullptr, nullptr, "host", nullptr, nullptr,
     nullptr},
};

struct ParamsRun {
  ladon_status st;
  std::string message;
  ladon_params *p;
};

ParamsRun apply(const std::string &text) {
  Doc d(text);
  ParamsRun r = {LADON_OK, "", nullptr};
  if (d.doc == nullptr) {
    r.st = d.err.code;
    r.message = formatted(d.err);
    return r;
  }
  ladon_error err;
  ladon_error_clear(&err);
  r.p = ladon_params_new(kParams, 6, "test_switch", &err);
  const char *skip[] = {"name", "type"};
  r.st = ladon__json_params_apply(d.doc, 0, r.p, skip, 2, &err);
  if (r.st == LADON_OK) r.st = ladon__json_params_resolve(d.doc, 0, r.p, &err);
  r.message = formatted(err);
  return r;
}

TEST(JsonParams, ValuesOfEveryKind) {
  ParamsRun r = apply(R"({"name": "sw", "type": "t", "latency": "0.5us",
    "ports": 16, "weight": 2, "acs": true, "arb": "weighted", "host": "mh"})");
  ASSERT_EQ(r.st, LADON_OK) << r.message;
  EXPECT_EQ(ladon_params_time_ps(r.p, "latency"), 500000u);  // 0.5 * 10^6
  EXPECT_EQ(ladon_params_u64(r.p, "ports"), 16u);
  EXPECT_EQ(ladon_params_double(r.p, "weight"), 2.0) << "integer as double";
  EXPECT_TRUE(ladon_params_bool(r.p, "acs"));
  EXPECT_EQ(ladon_params_enum(r.p, "arb"), 1u);
  EXPECT_STREQ(ladon_params_string(r.p, "host"), "mh");
  ladon_params_free(r.p);
}

TEST(JsonParams, ErrorsArePlacedAtTheValueOrKey) {
  const struct {
    const char *text;
    ladon_status st;
    const char *message;
  } cases[] = {
      {R"({"host": "h", "latency": "120nz"})", LADON_EPARSE,
       "t.json:1:26: parameter 'latency': expected a time such as \"120ns\" "
       "(units ps, ns, us, ms, s), got \"120nz\" ($.latency)"},
      {R"({"host": "h", "latency": 120})", LADON_EINVAL,
       "t.json:1:26: parameter 'latency': expected a string with a unit, "
       "such as \"120ns\", got an integer ($.latency)"},
      {R"({"host": "h", "latncy": "1ns"})", LADON_ENOENT,
       "t.json:1:15: unknown parameter \"latncy\" (did you mean 'latency'?) "
       "($.latncy)"},
      {R"({"host": "h", "typ": "x"})", LADON_ENOENT,
       "t.json:1:15: unknown parameter \"typ\" (did you mean 'type'?) "
       "($.typ)"},
      {R"({"host": "h", "ports": -2})", LADON_ERANGE,
       "t.json:1:24: parameter 'ports': expected a non-negative integer, got "
       "-2 ($.ports)"},
      {R"({"host": "h", "ports": 64})", LADON_ERANGE,
       "t.json:1:24: parameter 'ports': 64 is above the maximum 32 ($.ports)"},
      {R"({"host": "h", "acs": "true"})", LADON_OK, ""},
      {R"({"host": "h", "acs": 1})", LADON_EINVAL,
       "t.json:1:22: parameter 'acs': expected true or false, got an integer "
       "($.acs)"},
      {R"({"host": null})", LADON_EPARSE,
       "t.json:1:10: parameter 'host': expected a string value, got null "
       "($.host)"},
      {R"({"host": "h", "arb": "wieghted"})", LADON_EPARSE,
       "t.json:1:22: parameter 'arb': expected \"round_robin\" or "
       "\"weighted\", got \"wieghted\" (did you mean \"weighted\"?) ($.arb)"},
      {"{\n  \"latency\": \"1ns\"\n}", LADON_EINVAL,
       "t.json:1:1: missing required parameter 'host' of 'test_switch' "
       "(host) ($)"},
      {"[]", LADON_EPARSE, "t.json:1:1: expected an object, got an array ($)"},
  };
  for (const auto &c : cases) {
    ParamsRun r = apply(c.text);
    EXPECT_EQ(r.st, c.st) << c.text;
    if (c.st != LADON_OK) {
      EXPECT_EQ(r.message, c.message) << c.text;
    }
    ladon_params_free(r.p);
  }
}

// Every seed of the fuzz corpus through the fuzz entry point: it aborts on
// any broken invariant, so passing means none broke.
TEST(JsonFuzzCorpus, EverySeedPasses) {
  std::string dir = std::string(LADON_SOURCE_DIR) + "/tests/fuzz/corpus/json";
  DIR *dp = opendir(dir.c_str());
  ASSERT_NE(dp, nullptr) << dir;
  std::vector<std::string> files;
  while (struct dirent *e = readdir(dp))
    if (e->d_name[0] != '.') files.push_back(dir + "/" + e->d_name);
  closedir(dp);
  ASSERT_GE(files.size(), 10u);
  for (const std::string &f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
    SCOPED_TRACE(f);
    EXPECT_EQ(LLVMFuzzerTestOneInput(
                  reinterpret_cast<const uint8_t *>(bytes.data()),
                  bytes.size()),
              0);
  }
}

}  // namespace
