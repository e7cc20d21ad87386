// Tests of the event kernel: ordering, cancellation, the run functions and
// the clock-edge helper.  The randomized tests compare the kernel against a
// reference model (a std::set ordered by (time, priority, sequence)) that
// follows the contract in ladon/sim.h directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

extern "C" {
#include "ladon/sim.h"
#include "sim/sim_int.h"
}

namespace {

struct SimDeleter {
  void operator()(ladon_sim *s) const { ladon_sim_free(s); }
};
using SimPtr = std::unique_ptr<ladon_sim, SimDeleter>;

SimPtr make_sim(uint64_t seed = 0, size_t expected = 0) {
  ladon_sim_config cfg = {seed, expected};
  return SimPtr(ladon_sim_new(&cfg, nullptr));
}

// Appends `arg` to the std::vector<uint64_t> in ctx.
void record(ladon_sim *, void *ctx, uint64_t arg) {
  static_cast<std::vector<uint64_t> *>(ctx)->push_back(arg);
}

void nop(ladon_sim *, void *, uint64_t) {}

TEST(SimKernel, NewSimIsEmptyAtTimeZero) {
  SimPtr sim(ladon_sim_new(nullptr, nullptr));
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(ladon_sim_now(sim.get()), 0u);
  EXPECT_EQ(ladon_sim_seed(sim.get()), 0u);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 0u);
  EXPECT_EQ(ladon_sim_events_run(sim.get()), 0u);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), LADON_TIME_NEVER);
  EXPECT_EQ(ladon_sim_step(sim.get()), 0);
  EXPECT_EQ(ladon_sim_status(sim.get()), LADON_OK);
  EXPECT_NE(ladon_sim_rng(sim.get()), nullptr);
  EXPECT_NE(ladon_sim_stats(sim.get()), nullptr);
  ladon_sim_free(nullptr); // a no-op
  SimPtr seeded = make_sim(42, 10);
  EXPECT_EQ(ladon_sim_seed(seeded.get()), 42u);
}

TEST(SimKernel, NullSimIsHarmless) {
  EXPECT_EQ(ladon_sim_schedule_at(nullptr, 1, 0, nop, nullptr, 0), 0u);
  EXPECT_EQ(ladon_sim_schedule_in(nullptr, 1, 0, nop, nullptr, 0), 0u);
  EXPECT_EQ(ladon_sim_cancel(nullptr, 1), 0);
  EXPECT_EQ(ladon_sim_run_until(nullptr, 10), 0u);
  EXPECT_EQ(ladon_sim_run_events(nullptr, 10), 0u);
  EXPECT_EQ(ladon_sim_next_time(nullptr), LADON_TIME_NEVER);
  EXPECT_EQ(ladon_sim_status(nullptr), LADON_EINVAL);
  ladon_sim_stop(nullptr);
}

TEST(SimKernel, RunsInTimePrioritySequenceOrder) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  // (time, priority) for args 0..7, scheduled in this order.
  const std::pair<uint64_t, unsigned> ev[] = {
      {300, 128}, {100, 128}, {100, 0},   {200, 255},
      {100, 128}, {200, 0},   {300, 128}, {100, 0}};
  for (uint64_t i = 0; i < 8; i++)
    ASSERT_NE(ladon_sim_schedule_at(sim.get(), ev[i].first, ev[i].second,
                                    record, &got, i),
              0u);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 8u);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 100u);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 1000), 8u);
  // By time; at 100 priority 0 first (args 2, 7 in scheduling order), then
  // priority 128 (1, 4); at 200 priority 0 (5) then 255 (3); at 300: 0, 6.
  const std::vector<uint64_t> want = {2, 7, 1, 4, 5, 3, 0, 6};
  EXPECT_EQ(got, want);
  EXPECT_EQ(ladon_sim_now(sim.get()), 1000u);
  EXPECT_EQ(ladon_sim_events_run(sim.get()), 8u);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 0u);
}

TEST(SimKernel, RejectsBadArguments) {
  SimPtr sim = make_sim();
  EXPECT_EQ(ladon_sim_schedule_at(sim.get(), 10, 256, nop, nullptr, 0), 0u);
  EXPECT_EQ(ladon_sim_schedule_at(sim.get(), 10, 0, nullptr, nullptr, 0), 0u);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 50), 0u);
  EXPECT_EQ(ladon_sim_schedule_at(sim.get(), 49, 0, nop, nullptr, 0), 0u)
      << "a time before now is in the past";
  EXPECT_NE(ladon_sim_schedule_at(sim.get(), 50, 0, nop, nullptr, 0), 0u)
      << "now itself is allowed";
  EXPECT_EQ(ladon_sim_pending(sim.get()), 1u);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), 0), 0);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), UINT64_MAX), 0);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), 12345), 0);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 1u);
}

TEST(SimKernel, ScheduleInSaturatesAtNever) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  ladon_sim_run_until(sim.get(), 1000);
  ASSERT_NE(ladon_sim_schedule_in(sim.get(), UINT64_MAX - 10, 0, record, &got,
                                  1),
            0u);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), LADON_TIME_NEVER);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 1u)
      << "pending() tells an event at NEVER from an empty queue";
  EXPECT_EQ(ladon_sim_run_until(sim.get(), UINT64_MAX - 1), 0u);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), LADON_TIME_NEVER), 1u);
  EXPECT_EQ(got, std::vector<uint64_t>{1});
}

TEST(SimKernel, RunUntilAdvancesNowAndIncludesTheBoundary) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  for (uint64_t t : {10u, 20u, 30u})
    ladon_sim_schedule_at(sim.get(), t, 0, record, &got, t);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 20), 2u);
  EXPECT_EQ(got, (std::vector<uint64_t>{10, 20}));
  EXPECT_EQ(ladon_sim_now(sim.get()), 20u);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 25), 0u);
  EXPECT_EQ(ladon_sim_now(sim.get()), 25u) << "now advances with no event";
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 5), 0u);
  EXPECT_EQ(ladon_sim_now(sim.get()), 25u) << "until < now runs nothing";
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 30u);
}

TEST(SimKernel, RunEventsAndStepLeaveNowAtTheLastEvent) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  for (uint64_t t = 1; t <= 5; t++)
    ladon_sim_schedule_at(sim.get(), t * 100, 0, record, &got, t);
  EXPECT_EQ(ladon_sim_run_events(sim.get(), 2), 2u);
  EXPECT_EQ(ladon_sim_now(sim.get()), 200u);
  EXPECT_EQ(ladon_sim_step(sim.get()), 1);
  EXPECT_EQ(ladon_sim_now(sim.get()), 300u);
  EXPECT_EQ(ladon_sim_run_events(sim.get(), 100), 2u);
  EXPECT_EQ(ladon_sim_now(sim.get()), 500u);
  EXPECT_EQ(ladon_sim_step(sim.get()), 0);
  EXPECT_EQ(got, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

struct StopCtx {
  std::vector<uint64_t> got;
  uint64_t stop_at;
};

void record_and_stop(ladon_sim *sim, void *ctx, uint64_t arg) {
  auto *c = static_cast<StopCtx *>(ctx);
  c->got.push_back(arg);
  if (arg == c->stop_at) ladon_sim_stop(sim);
}

TEST(SimKernel, StopReturnsAfterTheCurrentHandler) {
  SimPtr sim = make_sim();
  StopCtx c{{}, 2};
  for (uint64_t i = 1; i <= 4; i++)
    ladon_sim_schedule_at(sim.get(), i * 10, 0, record_and_stop, &c, i);
  ladon_sim_stop(sim.get()); // outside a run: no effect
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 1000), 2u);
  EXPECT_EQ(ladon_sim_now(sim.get()), 20u) << "stopped: now stays at 20";
  EXPECT_EQ(c.got, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 1000), 2u) << "a new run resumes";
  EXPECT_EQ(ladon_sim_now(sim.get()), 1000u);
  c.stop_at = 99;
  c.got.clear();
  for (uint64_t i = 1; i <= 3; i++)
    ladon_sim_schedule_at(sim.get(), 1000 + i, 0, record_and_stop, &c, i);
  c.stop_at = 1;
  EXPECT_EQ(ladon_sim_run_events(sim.get(), 10), 1u);
}

// Event 0 at time 100 schedules, from its handler, one event at the same time
// and priority (must run after the two already queued at 100) and one at the
// same time with a lower priority number (runs next, before the queued ones).
struct NowCtx {
  std::vector<uint64_t> got;
};

void schedule_at_now(ladon_sim *sim, void *ctx, uint64_t arg) {
  auto *c = static_cast<NowCtx *>(ctx);
  c->got.push_back(arg);
  if (arg == 0) {
    ladon_sim_schedule_in(sim, 0, 128, schedule_at_now, ctx, 10);
    ladon_sim_schedule_in(sim, 0, 0, schedule_at_now, ctx, 11);
  }
}

TEST(SimKernel, EventsScheduledAtNowRunAfterThoseQueued) {
  SimPtr sim = make_sim();
  NowCtx c;
  ladon_sim_schedule_at(sim.get(), 100, 128, schedule_at_now, &c, 0);
  ladon_sim_schedule_at(sim.get(), 100, 128, schedule_at_now, &c, 1);
  ladon_sim_schedule_at(sim.get(), 100, 128, schedule_at_now, &c, 2);
  ladon_sim_schedule_at(sim.get(), 101, 0, schedule_at_now, &c, 3);
  ladon_sim_run_until(sim.get(), 200);
  EXPECT_EQ(c.got, (std::vector<uint64_t>{0, 11, 1, 2, 10, 3}));
}

struct CancelCtx {
  ladon_sim *sim;
  std::vector<uint64_t> got;
  ladon_event_id victim = 0;
  ladon_event_id self = 0;
  int cancel_victim_result = -1;
  int cancel_self_result = -1;
};

void canceller(ladon_sim *sim, void *ctx, uint64_t arg) {
  auto *c = static_cast<CancelCtx *>(ctx);
  c->got.push_back(arg);
  if (arg == 1) {
    c->cancel_victim_result = ladon_sim_cancel(sim, c->victim);
    c->cancel_self_result = ladon_sim_cancel(sim, c->self);
  }
}

TEST(SimKernel, CancelFromAHandlerAtTheSameTimeAndOfItself) {
  SimPtr sim = make_sim();
  CancelCtx c;
  ladon_sim_schedule_at(sim.get(), 50, 128, canceller, &c, 0);
  c.self = ladon_sim_schedule_at(sim.get(), 50, 128, canceller, &c, 1);
  c.victim = ladon_sim_schedule_at(sim.get(), 50, 128, canceller, &c, 2);
  ladon_sim_schedule_at(sim.get(), 50, 128, canceller, &c, 3);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 100), 3u);
  EXPECT_EQ(c.got, (std::vector<uint64_t>{0, 1, 3}));
  EXPECT_EQ(c.cancel_victim_result, 1);
  EXPECT_EQ(c.cancel_self_result, 0) << "the running event is not pending";
  EXPECT_EQ(ladon_sim_events_run(sim.get()), 3u);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), c.victim), 0) << "cancelled twice";
  EXPECT_EQ(ladon_sim_cancel(sim.get(), c.self), 0) << "already ran";
}

TEST(SimKernel, CancelledEventsDoNotRunAndNextTimeStaysExact) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  ladon_event_id a = ladon_sim_schedule_at(sim.get(), 10, 0, record, &got, 10);
  ladon_event_id b = ladon_sim_schedule_at(sim.get(), 20, 0, record, &got, 20);
  ladon_sim_schedule_at(sim.get(), 30, 0, record, &got, 30);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 10u);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), a), 1);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 20u);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), b), 1);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 30u);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 1u);
  EXPECT_TRUE(ladon__q_check(sim.get()));
  ladon_sim_run_until(sim.get(), 100);
  EXPECT_EQ(got, std::vector<uint64_t>{30});
}

TEST(SimKernel, StaleIdsNeverCancelALaterEventInTheSameSlot) {
  SimPtr sim = make_sim();
  std::set<ladon_event_id> ids;
  // One event at a time: every event reuses the slot the last one freed.
  for (int i = 0; i < 1000; i++) {
    ladon_event_id id = ladon_sim_schedule_in(sim.get(), 1, 0, nop, nullptr, 0);
    ASSERT_NE(id, 0u);
    EXPECT_TRUE(ids.insert(id).second) << "id handed out twice";
    ASSERT_EQ(ladon_sim_step(sim.get()), 1);
  }
  ladon_event_id live = ladon_sim_schedule_in(sim.get(), 1, 0, nop, nullptr, 0);
  for (ladon_event_id old : ids) EXPECT_EQ(ladon_sim_cancel(sim.get(), old), 0);
  EXPECT_EQ(ladon_sim_pending(sim.get()), 1u);
  EXPECT_EQ(ladon_sim_cancel(sim.get(), live), 1);
}

TEST(SimKernel, NextTimeThenAnEarlierEventRunsFirst) {
  // Looking at the next time may reorganise the queue around that time; an
  // event scheduled before it afterwards must still run first.
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  ladon_event_id gone =
      ladon_sim_schedule_at(sim.get(), 5, 0, record, &got, 5);
  for (uint64_t t : {1000000u, 1000001u, 3000000u})
    ladon_sim_schedule_at(sim.get(), t, 0, record, &got, t);
  ladon_sim_cancel(sim.get(), gone); // forces next_time to look deeper
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 1000000u);
  ladon_sim_schedule_at(sim.get(), 999999, 0, record, &got, 999999);
  ladon_sim_schedule_at(sim.get(), 7, 0, record, &got, 7);
  EXPECT_EQ(ladon_sim_next_time(sim.get()), 7u);
  EXPECT_TRUE(ladon__q_check(sim.get()));
  ladon_sim_run_until(sim.get(), 999999);
  ladon_sim_schedule_at(sim.get(), 1000000, 0, record, &got, 1);
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  EXPECT_EQ(got, (std::vector<uint64_t>{7, 999999, 1000000, 1, 1000001,
                                        3000000}));
}

void reenter(ladon_sim *sim, void *ctx, uint64_t) {
  *static_cast<uint64_t *>(ctx) = ladon_sim_run_until(sim, 1000) +
                                  ladon_sim_run_events(sim, 5) +
                                  (uint64_t)ladon_sim_step(sim);
}

TEST(SimKernel, RunFunctionsDoNotReenter) {
  SimPtr sim = make_sim();
  uint64_t ran_inside = 99;
  ladon_sim_schedule_at(sim.get(), 1, 0, reenter, &ran_inside, 0);
  ladon_sim_schedule_at(sim.get(), 2, 0, nop, nullptr, 0);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), 10), 2u);
  EXPECT_EQ(ran_inside, 0u);
}

// A handler that schedules `arg` more events at spread-out times, growing
// every structure of the queue while the run loop is inside it.
struct FloodCtx {
  std::vector<uint64_t> times;
};

void flood_child(ladon_sim *sim, void *ctx, uint64_t) {
  static_cast<FloodCtx *>(ctx)->times.push_back(ladon_sim_now(sim));
}

void flood(ladon_sim *sim, void *ctx, uint64_t arg) {
  for (uint64_t i = 0; i < arg; i++)
    ASSERT_NE(ladon_sim_schedule_in(sim, (i * 7919) % 100003, (unsigned)(i % 3),
                                    flood_child, ctx, i),
              0u);
}

TEST(SimKernel, GrowthInsideAHandlerIsSafe) {
  SimPtr sim = make_sim(); // default sizes: everything must grow
  FloodCtx c;
  ladon_sim_schedule_at(sim.get(), 10, 0, flood, &c, 200000);
  EXPECT_EQ(ladon_sim_run_until(sim.get(), LADON_TIME_NEVER), 200001u);
  ASSERT_EQ(c.times.size(), 200000u);
  EXPECT_TRUE(std::is_sorted(c.times.begin(), c.times.end()));
}

TEST(SimKernel, ManyEqualTimesKeepPriorityAndSequenceOrder) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  std::mt19937_64 gen(7);
  std::vector<std::tuple<unsigned, uint64_t>> want;
  for (uint64_t i = 0; i < 5000; i++) {
    unsigned prio = (unsigned)(gen() % 256);
    ladon_sim_schedule_at(sim.get(), 123456789, prio, record, &got, i);
    want.emplace_back(prio, i);
  }
  std::sort(want.begin(), want.end());
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); i++)
    ASSERT_EQ(got[i], std::get<1>(want[i])) << "at " << i;
}

TEST(SimKernel, MassCancellationCompactsAndKeepsCountsExact) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  std::vector<ladon_event_id> ids;
  for (uint64_t i = 0; i < 20000; i++)
    ids.push_back(ladon_sim_schedule_at(sim.get(), 1000 + (i * 104729) % 65536,
                                        0, record, &got, i));
  size_t queued_before = sim->queued;
  for (uint64_t i = 0; i < 20000; i++)
    if (i % 10 != 0) {
      ASSERT_EQ(ladon_sim_cancel(sim.get(), ids[i]), 1);
    }
  EXPECT_EQ(ladon_sim_pending(sim.get()), 2000u);
  EXPECT_LT(sim->queued, queued_before) << "cancelled entries were compacted";
  EXPECT_LE(sim->stale, ladon_sim_pending(sim.get()) + 256);
  EXPECT_TRUE(ladon__q_check(sim.get()));
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  ASSERT_EQ(got.size(), 2000u);
  for (uint64_t v : got) EXPECT_EQ(v % 10, 0u);
  EXPECT_EQ(ladon_sim_events_run(sim.get()), 2000u);
}

// The first event sits alone at 2^40 ps, so the queue takes the whole high
// bucket around it into the front, a range of about 2^36 ps.  Its handler
// then schedules thousands of events inside that range: the front must split
// itself instead of growing into one long run, and the order must hold.
struct SpillCtx {
  std::mt19937_64 gen{99};
  std::vector<std::pair<uint64_t, uint64_t>> want; // (time, arg) in order
  std::vector<uint64_t> got;
  size_t max_front = 0;
  uint64_t front_span = 0;
};

void spill_child(ladon_sim *sim, void *ctx, uint64_t arg) {
  auto *c = static_cast<SpillCtx *>(ctx);
  c->got.push_back(arg);
  c->max_front = std::max(c->max_front, sim->front.end - sim->front.head);
}

void spill_parent(ladon_sim *sim, void *ctx, uint64_t) {
  auto *c = static_cast<SpillCtx *>(ctx);
  c->front_span = sim->front_last - sim->base;
  for (uint64_t i = 0; i < 5000; i++) {
    // On a grid of 2^20 ps: many children share a time, the earliest too.
    uint64_t t = ladon_sim_now(sim) + (c->gen() % 1024) * (UINT64_C(1) << 20);
    ASSERT_NE(ladon_sim_schedule_at(sim, t, 0, spill_child, ctx, i), 0u);
    c->want.emplace_back(t, i);
    c->max_front = std::max(c->max_front, sim->front.end - sim->front.head);
    ASSERT_TRUE(i % 500 != 0 || ladon__q_check(sim));
  }
}

TEST(SimKernel, AWideFrontSplitsWhenItFillsUp) {
  SimPtr sim = make_sim();
  SpillCtx c;
  ladon_sim_schedule_at(sim.get(), UINT64_C(1) << 40, 0, spill_parent, &c, 0);
  ASSERT_EQ(ladon_sim_step(sim.get()), 1);
  EXPECT_GE(c.front_span, UINT64_C(1) << 30)
      << "the test needs a front spanning the children's range";
  EXPECT_LE(c.max_front, (size_t)LADON__FRONT_SPILL + 1);
  EXPECT_TRUE(ladon__q_check(sim.get()));
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  std::sort(c.want.begin(), c.want.end());
  ASSERT_EQ(c.got.size(), c.want.size());
  for (size_t i = 0; i < c.got.size(); i++)
    ASSERT_EQ(c.got[i], c.want[i].second) << "at " << i;
}

// Events due soon are inserted into the front while it drains: both the
// head side (room left by events that ran) and the tail side must shift.
struct InsertCtx {
  std::mt19937_64 gen{5};
  std::vector<uint64_t> times;
  int budget = 20000;
};

void insert_soon(ladon_sim *sim, void *ctx, uint64_t) {
  auto *c = static_cast<InsertCtx *>(ctx);
  c->times.push_back(ladon_sim_now(sim));
  if (c->budget-- > 0)
    ladon_sim_schedule_in(sim, c->gen() % 64, (unsigned)(c->gen() % 4),
                          insert_soon, ctx, 0);
}

TEST(SimKernel, InsertionsIntoADrainingFrontKeepOrder) {
  SimPtr sim = make_sim();
  InsertCtx c;
  for (uint64_t i = 0; i < 200; i++)
    ladon_sim_schedule_at(sim.get(), 1000 + c.gen() % 64, 0, insert_soon, &c, 0);
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  EXPECT_EQ(c.times.size(), 200u + 20000u);
  EXPECT_TRUE(std::is_sorted(c.times.begin(), c.times.end()));
}

// A handler inserts events into a short front with room before its head,
// which scheduling does inline by a walk from the head: before everything,
// between and among entries of one time (by priority, then sequence), and
// after the last entry, which takes the out-of-line insert instead.  The
// run order must be the contract's.
struct WalkCtx {
  std::vector<uint64_t> got;
  size_t head_before = 0, head_after = 0, len_before = 0, len_after = 0;
  uint64_t front_last = 0;
};

void walk_record(ladon_sim *, void *ctx, uint64_t arg) {
  static_cast<WalkCtx *>(ctx)->got.push_back(arg);
}

void walk_insert(ladon_sim *sim, void *ctx, uint64_t arg) {
  auto *c = static_cast<WalkCtx *>(ctx);
  c->got.push_back(arg);
  c->head_before = sim->front.head;
  c->len_before = sim->front.end - sim->front.head;
  c->front_last = sim->front_last;
  // (time, priority, arg); the comments say where each one belongs.
  const struct {
    uint64_t t;
    unsigned prio;
    uint64_t arg;
  } ins[] = {
      {1000, 128, 100}, // at now: after the queued entry at 1000/128
      {1010, 0, 101},   // before the entry at 1010/128
      {1010, 255, 102}, // after it
      {1050, 128, 103}, // after the entry at 1050/128 (later sequence)
      {1045, 200, 104}, // between 1040 and 1050
      {1000, 64, 105},  // before the entry at 1000/128, at the head
      {1095, 128, 106}, // after the last entry
  };
  for (const auto &e : ins)
    ASSERT_NE(ladon_sim_schedule_at(sim, e.t, e.prio, walk_record, ctx, e.arg),
              0u);
  c->head_after = sim->front.head;
  c->len_after = sim->front.end - sim->front.head;
}

TEST(SimKernel, InsertsIntoAShortFrontFollowTheContract) {
  SimPtr sim = make_sim();
  WalkCtx c;
  // Eight events run first (900..970, args 200..207) to leave room before
  // the head; then at 1000 the inserting handler (arg 0) and ten events 10
  // ps apart (args 1..10, two at 1000).
  for (uint64_t i = 0; i < 8; i++)
    ladon_sim_schedule_at(sim.get(), 900 + 10 * i, 128, walk_record, &c,
                          200 + i);
  ladon_sim_schedule_at(sim.get(), 1000, 128, walk_insert, &c, 0);
  for (uint64_t i = 0; i < 10; i++)
    ladon_sim_schedule_at(sim.get(), 1000 + 10 * i, 128, walk_record, &c,
                          1 + i);
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  // The front held the ten events, with room before its head, and covered
  // every new time: six inserts walked (the head moved back six places),
  // the one after the last entry was appended out of line.
  EXPECT_EQ(c.len_before, 10u);
  EXPECT_LE(c.len_before, (size_t)LADON__FRONT_WALK);
  EXPECT_GE(c.head_before, 7u);
  EXPECT_GE(c.front_last, 1095u);
  EXPECT_EQ(c.head_before - c.head_after, 6u);
  EXPECT_EQ(c.len_after, 17u);
  const std::vector<uint64_t> want = {
      200, 201, 202, 203, 204, 205, 206, 207, // 900..970
      0,   // 1000/128, running
      105, // 1000/64
      1,   // 1000/128, queued first
      100, // 1000/128, scheduled later
      101, // 1010/0
      2,   // 1010/128
      102, // 1010/255
      3, 4, 5,
      104, // 1045/200
      6,   // 1050/128
      103, // 1050/128, scheduled later
      7, 8, 9, 10,
      106, // 1095
  };
  EXPECT_EQ(c.got, want);
  EXPECT_TRUE(ladon__q_check(sim.get()));
}

// 64 events at one time fill the front exactly; the first one's handler adds
// an event at the same time with a later priority, which belongs at the tail
// of the full front.
void add_last(ladon_sim *sim, void *ctx, uint64_t arg) {
  static_cast<std::vector<uint64_t> *>(ctx)->push_back(arg);
  if (arg == 0)
    ladon_sim_schedule_in(sim, 0, 255, add_last, ctx, 1000);
}

TEST(SimKernel, InsertAtTheTailOfAFullFront) {
  SimPtr sim = make_sim();
  std::vector<uint64_t> got;
  for (uint64_t i = 0; i < 64; i++)
    ladon_sim_schedule_at(sim.get(), 777, 128, add_last, &got, i);
  ladon_sim_run_until(sim.get(), LADON_TIME_NEVER);
  std::vector<uint64_t> want;
  for (uint64_t i = 0; i < 64; i++) want.push_back(i);
  want.push_back(1000);
  EXPECT_EQ(got, want);
}

// ---- randomized comparison with a reference model ---------------------

using Key = std::tuple<uint64_t, unsigned, uint64_t>; // time, prio, seq

struct Model {
  ladon_sim *sim = nullptr;
  std::mt19937_64 gen;
  std::set<Key> queue;                      // pending, in contract order
  std::map<uint64_t, Key> by_seq;           // seq -> key of pending events
  std::map<uint64_t, ladon_event_id> ids;   // seq -> kernel id
  uint64_t next_seq = 0;
  uint64_t ran = 0;
  int delay_mode = 0;
  size_t target = 0;
  bool failed = false;

  explicit Model(uint64_t seed) : gen(seed) {}

  uint64_t delay() {
    switch (gen() % (delay_mode == 0 ? 6 : 3)) {
    case 0: return 0;                         // same time
    case 1: return gen() % 4;                 // a few ps
    case 2: return gen() % 5000;              // nearby
    case 3: return gen() % 10000000;          // far
    case 4: return gen() % (UINT64_C(1) << 40);
    default: return gen() % (UINT64_C(1) << 62); // very far
    }
  }

  void schedule(uint64_t t, unsigned prio);
  void cancel_one();
  void check_front();
};

void model_handler(ladon_sim *sim, void *ctx, uint64_t seq) {
  auto *m = static_cast<Model *>(ctx);
  if (m->failed) return;
  // The event that runs must be the model's earliest.
  if (m->queue.empty() || std::get<2>(*m->queue.begin()) != seq ||
      std::get<0>(*m->queue.begin()) != ladon_sim_now(sim)) {
    ADD_FAILURE() << "ran seq " << seq << " at " << ladon_sim_now(sim);
    m->failed = true;
    return;
  }
  m->queue.erase(m->queue.begin());
  m->by_seq.erase(seq);
  m->ids.erase(seq);
  m->ran++;
  // 0..3 children below the target size, 0..1 above: the queue size
  // wanders around the target.
  int n = (int)(m->gen() % (m->queue.size() < m->target ? 4 : 2));
  for (int i = 0; i < n; i++)
    m->schedule(ladon_sim_now(sim) + m->delay(), (unsigned)(m->gen() % 256));
  if (m->gen() % 4 == 0) m->cancel_one();
  if (m->gen() % 8 == 0) m->check_front();
  if (ladon_sim_pending(sim) != m->queue.size()) {
    ADD_FAILURE() << "pending " << ladon_sim_pending(sim) << " vs "
                  << m->queue.size();
    m->failed = true;
  }
}

void Model::schedule(uint64_t t, unsigned prio) {
  if (t < ladon_sim_now(sim)) t = UINT64_MAX; // wrapped: saturate
  ladon_event_id id = ladon_sim_schedule_at(sim, t, prio, model_handler, this,
                                            next_seq);
  if (id == 0) {
    ADD_FAILURE() << "schedule failed";
    failed = true;
    return;
  }
  Key k{t, prio, next_seq};
  queue.insert(k);
  by_seq[next_seq] = k;
  ids[next_seq] = id;
  next_seq++;
}

void Model::cancel_one() {
  if (by_seq.empty()) return;
  auto it = by_seq.lower_bound(gen() % next_seq);
  if (it == by_seq.end()) it = by_seq.begin();
  uint64_t seq = it->first;
  if (ladon_sim_cancel(sim, ids[seq]) != 1) {
    ADD_FAILURE() << "cancel of pending seq " << seq << " failed";
    failed = true;
  }
  if (ladon_sim_cancel(sim, ids[seq]) != 0) {
    ADD_FAILURE() << "second cancel of seq " << seq << " succeeded";
    failed = true;
  }
  queue.erase(it->second);
  ids.erase(seq);
  by_seq.erase(it);
}

void Model::check_front() {
  uint64_t want = queue.empty() ? LADON_TIME_NEVER : std::get<0>(*queue.begin());
  if (ladon_sim_next_time(sim) != want) {
    ADD_FAILURE() << "next_time " << ladon_sim_next_time(sim) << " vs " << want;
    failed = true;
  }
}

void run_model(uint64_t seed, int delay_mode, size_t initial,
               uint64_t min_ran) {
  SimPtr sim = make_sim(seed);
  Model m(seed);
  m.sim = sim.get();
  m.delay_mode = delay_mode;
  m.target = initial;
  for (size_t i = 0; i < initial; i++)
    m.schedule(m.delay(), (unsigned)(m.gen() % 256));
  uint64_t steps = 0;
  while (!m.queue.empty() && !m.failed && steps < 400 && m.ran < 200000) {
    // Alternate the three ways of running, and cancel from outside too.
    switch (steps % 3) {
    case 0: ladon_sim_run_events(sim.get(), 1 + m.gen() % 500); break;
    case 1: ladon_sim_step(sim.get()); break;
    default: {
      uint64_t next = ladon_sim_next_time(sim.get());
      uint64_t span = m.gen() % (delay_mode == 0 ? 100000 : 1000);
      uint64_t until = next > UINT64_MAX - span ? UINT64_MAX : next + span;
      ladon_sim_run_until(sim.get(), until);
      EXPECT_EQ(ladon_sim_now(sim.get()), until);
    }
    }
    if (m.gen() % 2) m.cancel_one();
    if (m.gen() % 3 == 0) m.schedule(ladon_sim_now(sim.get()) + m.delay(), 7);
    m.check_front();
    ASSERT_TRUE(ladon__q_check(sim.get())) << "queue invariants, step " << steps;
    ASSERT_EQ(ladon_sim_pending(sim.get()), m.queue.size());
    steps++;
  }
  EXPECT_FALSE(m.failed);
  EXPECT_GE(m.ran, min_ran);
  EXPECT_EQ(ladon_sim_events_run(sim.get()), m.ran);
}

TEST(SimKernel, RandomizedAgainstReferenceWideDelays) {
  for (uint64_t seed = 1; seed <= 6; seed++) run_model(seed, 0, 3000, 10000);
}

TEST(SimKernel, RandomizedAgainstReferenceShortDelays) {
  for (uint64_t seed = 11; seed <= 16; seed++) run_model(seed, 1, 3000, 10000);
}

TEST(SimKernel, RandomizedAgainstReferenceSmallQueues) {
  for (uint64_t seed = 21; seed <= 60; seed++)
    run_model(seed, (int)(seed % 2), 5, 5);
}

// ---- the clock-edge helper ---------------------------------------------

TEST(SimKernel, ClockEdgeQuantisation) {
  // A 4000 ps clock (250 MHz) with edges at 500 + 4000 k.
  EXPECT_EQ(ladon_clock_edge_at_or_after(0, 4000, 500), 500u);
  EXPECT_EQ(ladon_clock_edge_at_or_after(500, 4000, 500), 500u);
  EXPECT_EQ(ladon_clock_edge_at_or_after(501, 4000, 500), 4500u);
  EXPECT_EQ(ladon_clock_edge_at_or_after(4500, 4000, 500), 4500u);
  EXPECT_EQ(ladon_clock_edge_at_or_after(4501, 4000, 500), 8500u);
  // 1 GHz, no phase: every multiple of 1000.
  for (uint64_t t = 1; t < 5000; t += 37) {
    uint64_t e = ladon_clock_edge_at_or_after(t, 1000, 0);
    EXPECT_EQ(e % 1000, 0u);
    EXPECT_GE(e, t);
    EXPECT_LT(e - t, 1000u);
  }
  // Period 0 means no clock; an edge past the representable range is NEVER.
  EXPECT_EQ(ladon_clock_edge_at_or_after(1234, 0, 0), 1234u);
  EXPECT_EQ(ladon_clock_edge_at_or_after(UINT64_MAX - 5, 1000, 0),
            LADON_TIME_NEVER);
  EXPECT_EQ(ladon_clock_edge_at_or_after(UINT64_MAX - 5, 1, 0), UINT64_MAX - 5);
}

} // namespace
