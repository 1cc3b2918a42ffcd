// What the pipeline tests share: a GMainContext that is the test thread's default (the home
// of the pipelines under test), iterated with a bound, and a pipeline's single stream's
// statistics.
#pragma once

#include <chrono>
#include <functional>

#include <glib.h>
#include <gtest/gtest.h>

#include "media/detail/glib.hpp"
#include "media/pipeline/rtp_pipeline.hpp"

namespace jcall::media {

class PipelineContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_ = g_main_context_new();
    g_main_context_push_thread_default(ctx_);
  }
  // Derived fixtures release their pipelines first: closures still posted to the context do
  // nothing once their pipeline is gone.
  void TearDown() override {
    for (int i = 0; i < 1000 && g_main_context_pending(ctx_); ++i) {
      g_main_context_iteration(ctx_, FALSE);
    }
    g_main_context_pop_thread_default(ctx_);
    g_main_context_unref(ctx_);
  }

  // Iterates the context until `done` or the timeout; a 10 ms timer bounds each iteration.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto tick = detail::add_timer(ctx_, 10, [] { return true; });
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) {
        return true;
      }
      g_main_context_iteration(ctx_, TRUE);
    }
    return done();
  }
  void run_for(std::chrono::milliseconds d) {
    wait_until([] { return false; }, d);
  }

  // The statistics of a pipeline that carries one stream.
  static StreamStats only_stream(RtpPipeline& pipeline) {
    auto all = pipeline.stats();
    EXPECT_EQ(all.size(), 1u);
    return all.empty() ? StreamStats{} : all.front();
  }

  GMainContext* ctx_ = nullptr;
};

}  // namespace jcall::media
