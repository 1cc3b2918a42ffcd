// The window's model (app/window/ui_model.hpp): literal session events in, what the window
// shows out, with the chat and call history in a real SQLite database (in memory).
#include "app/window/ui_model.hpp"

#include <gtest/gtest.h>

namespace jcall::app::window {
namespace {

class UiModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto h = store::History::open(":memory:");
    ASSERT_TRUE(h) << h.error().describe();
    history_.emplace(std::move(*h));
    model_ = std::make_unique<UiModel>(&*history_);
    apply({{"event", "connecting"}, {"jid", "alice@example.org/a"}});
    apply({{"event", "connected"}, {"jid", "alice@example.org/a"}});
  }
  void apply(const json& ev) { model_->apply(ev, now_ += 1000); }

  std::optional<store::History> history_;
  std::unique_ptr<UiModel> model_;
  std::int64_t now_ = 1'700'000'000'000;
};

TEST_F(UiModelTest, RosterAndPresenceGiveTheContactListInOrder) {
  EXPECT_EQ(model_->connection().state, "online");
  apply(json::parse(R"({"event":"roster","push":false,"items":[
      {"jid":"zoe@example.org","name":"Zoe","subscription":"both","ask":false,"groups":[]},
      {"jid":"bob@example.org","name":"","subscription":"to","ask":true,"groups":[]}]})"));
  auto list = model_->sorted_contacts();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]->jid, "bob@example.org");  // both offline: by name
  EXPECT_EQ(list[0]->show(), "offline");
  apply({{"event", "presence"},
         {"from", "zoe@example.org/phone"},
         {"type", "available"},
         {"show", "away"},
         {"status", "on the train"},
         {"priority", 5}});
  apply({{"event", "presence"},
         {"from", "zoe@example.org/laptop"},
         {"type", "available"},
         {"show", "dnd"},
         {"status", "busy"},
         {"priority", 10}});
  list = model_->sorted_contacts();
  EXPECT_EQ(list[0]->jid, "zoe@example.org");  // online first
  EXPECT_EQ(list[0]->show(), "dnd");           // the highest priority resource
  EXPECT_EQ(list[0]->status(), "busy");
  apply({{"event", "presence"}, {"from", "zoe@example.org/laptop"}, {"type", "unavailable"}});
  EXPECT_EQ(model_->contacts().at("zoe@example.org").show(), "away");
  // Our own other devices are not contacts.
  apply({{"event", "presence"}, {"from", "alice@example.org/phone"}, {"type", "available"}});
  EXPECT_EQ(model_->contacts().count("alice@example.org"), 0u);
  // A roster push removing Bob.
  apply(json::parse(R"({"event":"roster","push":true,"items":[
      {"jid":"bob@example.org","name":"","subscription":"remove","ask":false,"groups":[]}]})"));
  EXPECT_EQ(model_->sorted_contacts().size(), 1u);
  // Disconnected: presence is unknown, and the reconnect time is kept.
  apply({{"event", "disconnected"},
         {"reason", "connection reset"},
         {"will_retry", true},
         {"retry_in_ms", 4000}});
  EXPECT_EQ(model_->connection().state, "reconnecting");
  EXPECT_EQ(model_->connection().message, "connection reset");
  EXPECT_EQ(model_->connection().retry_at_ms, now_ + 4000);
  EXPECT_EQ(model_->contacts().at("zoe@example.org").show(), "offline");
}

TEST_F(UiModelTest, ChatLinesReceiptsUnreadAndHistory) {
  apply({{"event", "message"},
         {"from", "bob@example.org/b"},
         {"to", "alice@example.org/a"},
         {"id", "m1"},
         {"origin_id", "o1"},
         {"type", "chat"},
         {"body", "你好 Alice 😀"},
         {"carbon", "none"}});
  EXPECT_EQ(model_->contacts().at("bob@example.org").unread, 1);
  apply({{"event", "chatstate"}, {"from", "bob@example.org/b"}, {"state", "composing"}});
  EXPECT_EQ(model_->contacts().at("bob@example.org").chat_state, "composing");
  model_->open_conversation("bob@example.org");
  EXPECT_EQ(model_->contacts().at("bob@example.org").unread, 0);
  apply({{"event", "sent"}, {"to", "bob@example.org"}, {"id", "s1"}, {"body", "hi Bob"}});
  // A carbon of what another of our devices sent.
  apply({{"event", "message"},
         {"from", "alice@example.org/phone"},
         {"to", "bob@example.org"},
         {"id", "c1"},
         {"origin_id", ""},
         {"type", "chat"},
         {"body", "from my phone"},
         {"carbon", "sent"}});
  const auto& lines = model_->lines("bob@example.org");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[0].outgoing);
  EXPECT_EQ(lines[0].body, "你好 Alice 😀");
  EXPECT_EQ(lines[0].id, "o1");  // XEP-0359 origin-id first
  EXPECT_TRUE(lines[1].outgoing);
  EXPECT_EQ(lines[1].status, "sent");
  EXPECT_TRUE(lines[2].outgoing);
  EXPECT_TRUE(lines[2].carbon);
  apply({{"event", "receipt"}, {"from", "bob@example.org/b"}, {"id", "s1"}});
  EXPECT_EQ(model_->lines("bob@example.org")[1].status, "delivered");
  // The same message again (a resend) is not shown twice.
  apply({{"event", "sent"}, {"to", "bob@example.org"}, {"id", "s1"}, {"body", "hi Bob"}});
  EXPECT_EQ(model_->lines("bob@example.org").size(), 3u);
  // A bounce marks it failed.
  apply({{"event", "sent"}, {"to", "bob@example.org"}, {"id", "s2"}, {"body", "lost"}});
  apply({{"event", "error"},
         {"stanza", "message"},
         {"from", "bob@example.org"},
         {"id", "s2"},
         {"condition", "service-unavailable"},
         {"message", "message from bob@example.org failed: service-unavailable"}});
  EXPECT_EQ(model_->lines("bob@example.org").back().status, "failed");
  EXPECT_EQ(model_->notices().back(), "message from bob@example.org failed: service-unavailable");

  // A new model on the same database (the next run) reads the conversation back.
  UiModel again(&*history_);
  again.apply({{"event", "connected"}, {"jid", "alice@example.org/a"}}, now_);
  again.open_conversation("bob@example.org");
  const auto& kept = again.lines("bob@example.org");
  ASSERT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept[0].body, "你好 Alice 😀");
  EXPECT_EQ(kept[1].status, "delivered");
  EXPECT_EQ(kept[3].status, "failed");
}

TEST_F(UiModelTest, CallsIncomingAudioOnlyAnswerAndHistory) {
  apply({{"event", "call-incoming"},
         {"sid", "s1"},
         {"from", "bob@example.org/b"},
         {"media", {"audio", "video"}},
         {"jmi", true}});
  ASSERT_NE(model_->incoming_call(), nullptr);
  EXPECT_TRUE(model_->incoming_call()->video);
  model_->mark_accept_audio("s1");
  apply({{"event", "call"},
         {"sid", "s1"},
         {"state", "connecting"},
         {"peer", "bob@example.org/b"},
         {"direction", "incoming"},
         {"media", {"audio", "video"}}});
  EXPECT_EQ(model_->incoming_call(), nullptr);
  EXPECT_TRUE(model_->take_commands().empty());
  apply({{"event", "call"},
         {"sid", "s1"},
         {"state", "active"},
         {"peer", "bob@example.org/b"},
         {"direction", "incoming"},
         {"media", {"audio", "video"}}});
  // Audio only: the camera goes off as soon as the call is connected.
  auto cmds = model_->take_commands();
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0].dump(), R"({"cmd":"camera","sid":"s1","on":false})");
  ASSERT_NE(model_->current_call(), nullptr);
  EXPECT_FALSE(model_->current_call()->camera_on);
  apply({{"event", "call"},
         {"sid", "s1"},
         {"state", "ended"},
         {"peer", "bob@example.org/b"},
         {"direction", "incoming"},
         {"media", {"audio", "video"}},
         {"reason", "success"},
         {"by", "peer"},
         {"detail", "hung up by peer"}});
  EXPECT_EQ(model_->current_call(), nullptr);
  ASSERT_EQ(model_->call_history().size(), 1u);
  EXPECT_EQ(model_->call_history()[0].outcome, "answered");
  EXPECT_EQ(model_->call_history()[0].duration_ms, 1000);
  // Answered on another device: not a missed call.
  apply({{"event", "call-incoming"},
         {"sid", "s2"},
         {"from", "bob@example.org/b"},
         {"media", {"audio"}},
         {"jmi", true}});
  apply({{"event", "call"},
         {"sid", "s2"},
         {"state", "ended"},
         {"peer", "bob@example.org/b"},
         {"direction", "incoming"},
         {"media", {"audio"}},
         {"reason", ""},
         {"by", "local"},
         {"detail", "answered on another device"}});
  EXPECT_EQ(model_->call_history()[0].outcome, "answered-elsewhere");
  auto stored = history_->calls("alice@example.org", 10);
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].outcome, "answered-elsewhere");
  EXPECT_EQ(model_->to_json()["call_history"].size(), 2u);
}

}  // namespace
}  // namespace jcall::app::window

namespace jcall::app::window {
namespace {

TEST(UiModelRequests, ARequestAlreadyApprovedLeavesTheList) {
  UiModel model(nullptr);
  model.apply({{"event", "connected"}, {"jid", "alice@example.org/a"}}, 1);
  model.apply({{"event", "subscription"}, {"from", "bob@example.org"}, {"type", "subscribe"}}, 2);
  ASSERT_EQ(model.subscription_requests().count("bob@example.org"), 1u);
  // Approved by --auto-approve or another device: the roster push says "from".
  model.apply(json::parse(R"({"event":"roster","push":true,"items":[
      {"jid":"bob@example.org","name":"","subscription":"from","ask":false,"groups":[]}]})"),
              3);
  EXPECT_EQ(model.subscription_requests().count("bob@example.org"), 0u);
}

}  // namespace
}  // namespace jcall::app::window
