// Link observers and the fabric's timeline, through the public API on
// configs/default.json.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "ladon/fabric.h"
#include "ladon/link.h"

namespace {

struct Counts {
  uint64_t wire = 0, delivered = 0, cpl_wire = 0;
  ladon_time_ps last_start = 0, last_delivery = 0;
  bool order_ok = true;
  const ladon_link *link = nullptr;
  unsigned dir = 0;
};

void on_wire(void *ctx, const ladon_link *link, unsigned dir,
             const ladon_tlp *tlp, ladon_time_ps start_ps, ladon_time_ps end_ps,
             bool replay, uint32_t) {
  auto *c = static_cast<Counts *>(ctx);
  if (link != c->link || dir != c->dir || replay) return;
  c->wire++;
  if (end_ps <= start_ps || start_ps < c->last_start) c->order_ok = false;
  c->last_start = start_ps;
  if (ladon_tlp_is_completion(static_cast<ladon_tlp_type>(tlp->type))) c->cpl_wire++;
}

void on_delivered(void *ctx, const ladon_link *link, unsigned dir,
                  const ladon_tlp *, ladon_time_ps t) {
  auto *c = static_cast<Counts *>(ctx);
  if (link != c->link || dir != c->dir) return;
  c->delivered++;
  if (t < c->last_delivery) c->order_ok = false;
  c->last_delivery = t;
}

const ladon_link_observer kObs = {on_wire, on_delivered};

ladon_fabric *load() {
  ladon_error err;
  std::string path = std::string(LADON_SOURCE_DIR) + "/configs/default.json";
  ladon_fabric *f = ladon_fabric_load(path.c_str(), nullptr, &err);
  EXPECT_NE(f, nullptr) << err.text;
  return f;
}

}  // namespace

// Deliveries seen by an observer equal the growth of the link's `tlps`
// counter, and (no bit errors: no replays, nothing lost) every TLP put on
// the wire before the last delivery arrives once.
TEST(LinkObserver, DeliveriesMatchTheCounter) {
  ladon_fabric *f = load();
  ASSERT_NE(f, nullptr);
  ladon_link *l = ladon_fabric_link_find(f, "nic");
  ASSERT_NE(l, nullptr);
  for (unsigned dir = 0; dir < 2; dir++) {
    Counts c;
    c.link = l;
    c.dir = dir;
    ladon_link_counters before, after;
    ASSERT_EQ(ladon_link_counters_get(l, dir, &before), LADON_OK);
    ASSERT_EQ(ladon_link_observe(l, &kObs, &c), LADON_OK);
    ladon_fabric_run(f, ladon_sim_now(ladon_fabric_sim(f)) + LADON_US(20));
    ladon_link_unobserve(l, &c);
    ASSERT_EQ(ladon_link_counters_get(l, dir, &after), LADON_OK);
    EXPECT_GT(c.delivered, 0u);
    EXPECT_EQ(c.delivered, after.tlps - before.tlps);
    EXPECT_EQ(after.replays, 0u);
    // A TLP in flight at either end of the window is counted on one side
    // only; the link's latency (10 ns) allows a few.
    EXPECT_LE(c.wire > c.delivered ? c.wire - c.delivered : c.delivered - c.wire, 4u);
    EXPECT_TRUE(c.order_ok);
    // Unobserved: no more calls.
    uint64_t seen = c.delivered;
    ladon_fabric_run(f, ladon_sim_now(ladon_fabric_sim(f)) + LADON_US(5));
    EXPECT_EQ(c.delivered, seen);
  }
  ladon_fabric_free(f);
}

TEST(LinkObserver, BoundedAndRemovable) {
  ladon_fabric *f = load();
  ASSERT_NE(f, nullptr);
  ladon_link *l = ladon_fabric_link(f, 0);
  ASSERT_NE(l, nullptr);
  int ctx[LADON_LINK_OBSERVERS_MAX + 1];
  for (unsigned i = 0; i < LADON_LINK_OBSERVERS_MAX; i++)
    EXPECT_EQ(ladon_link_observe(l, &kObs, &ctx[i]), LADON_OK);
  EXPECT_EQ(ladon_link_observe(l, &kObs, &ctx[LADON_LINK_OBSERVERS_MAX]), LADON_EFULL);
  ladon_link_unobserve(l, &ctx[0]);
  EXPECT_EQ(ladon_link_observe(l, &kObs, &ctx[LADON_LINK_OBSERVERS_MAX]), LADON_OK);
  EXPECT_EQ(ladon_link_observe(nullptr, &kObs, ctx), LADON_EINVAL);
  EXPECT_EQ(ladon_link_observe(l, nullptr, ctx), LADON_EINVAL);
  for (unsigned i = 0; i <= LADON_LINK_OBSERVERS_MAX; i++) ladon_link_unobserve(l, &ctx[i]);
  ladon_link_unobserve(nullptr, ctx);
  EXPECT_EQ(ladon_fabric_link(f, ladon_fabric_link_count(f)), nullptr);
  EXPECT_EQ(ladon_fabric_link_find(f, "no-such-link"), nullptr);
  ladon_fabric_free(f);
}

// The timeline is well-formed JSON framing with its cap honoured: with a cap
// of 10 events, at most 10 non-metadata, non-end events are written and the
// file says it was truncated.
TEST(Timeline, CapIsHonouredAndReported) {
  ladon_fabric *f = load();
  ASSERT_NE(f, nullptr);
  FILE *out = tmpfile();
  ASSERT_NE(out, nullptr);
  ladon_error err;
  ladon_timeline *t = ladon_fabric_timeline_open(f, out, 10, &err);
  ASSERT_NE(t, nullptr) << err.text;
  ladon_fabric_run(f, ladon_sim_now(ladon_fabric_sim(f)) + LADON_US(20));
  ASSERT_EQ(ladon_timeline_close(t), LADON_OK);
  long n = ftell(out);
  ASSERT_GT(n, 0);
  std::string text(static_cast<size_t>(n), '\0');
  rewind(out);
  ASSERT_EQ(fread(&text[0], 1, text.size(), out), text.size());
  fclose(out);
  EXPECT_EQ(text.rfind("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 0), 0u);
  EXPECT_NE(text.find("\"truncated\":true"), std::string::npos);
  EXPECT_NE(text.find("\"max_events\":10,"), std::string::npos);
  size_t counted = 0;
  for (const char *ph : {"\"ph\":\"X\"", "\"ph\":\"b\"", "\"ph\":\"s\"",
                         "\"ph\":\"f\"", "\"ph\":\"C\""})
    for (size_t p = text.find(ph); p != std::string::npos; p = text.find(ph, p + 1))
      counted++;
  EXPECT_EQ(counted, 10u);
  // Every async begin has its end.
  size_t b = 0, e = 0;
  for (size_t p = text.find("\"ph\":\"b\""); p != std::string::npos; p = text.find("\"ph\":\"b\"", p + 1)) b++;
  for (size_t p = text.find("\"ph\":\"e\""); p != std::string::npos; p = text.find("\"ph\":\"e\"", p + 1)) e++;
  EXPECT_EQ(b, e);
  ladon_fabric_free(f);
}

TEST(Timeline, BadArguments) {
  ladon_error err;
  EXPECT_EQ(ladon_fabric_timeline_open(nullptr, stdout, 0, &err), nullptr);
  EXPECT_EQ(err.code, LADON_EINVAL);
  EXPECT_EQ(ladon_timeline_close(nullptr), LADON_OK);
  EXPECT_EQ(ladon_fabric_vcd_open(nullptr, stdout, 0, &err), nullptr);
  EXPECT_EQ(ladon_vcd_close(nullptr), LADON_OK);
}
