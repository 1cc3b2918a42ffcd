// app/store (history.hpp, config.hpp, secrets.hpp) against real files: each test works in a
// fresh directory under $TMPDIR, removed afterwards. The Secret Service is not used here
// (use_secret_service=false, or no session bus): the tests cover the file it falls back to.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sqlite3.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "app/store/config.hpp"
#include "app/store/errc.hpp"
#include "app/store/history.hpp"
#include "app/store/secrets.hpp"

namespace jcall::app::store {
namespace {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/jcall-store-XXXXXX";
    if (::mkdtemp(tmpl.data()) != nullptr)
      path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets (or, with nullopt, unsets) an environment variable for one scope.
class EnvVar {
 public:
  EnvVar(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name))
      old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;
  ~EnvVar() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(dir_.path().empty()) << "mkdtemp failed"; }
  std::string path(const std::string& name) const { return dir_.path() + "/" + name; }

  TempDir dir_;
};

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return 07777;  // never a mode a test expects
  return st.st_mode & 07777;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

StoredMessage msg(std::string peer,
                  std::int64_t time_ms,
                  std::string body,
                  std::string id = "",
                  bool outgoing = false) {
  StoredMessage m;
  m.account = "alice@example.org";
  m.peer = std::move(peer);
  m.outgoing = outgoing;
  m.id = std::move(id);
  m.body = std::move(body);
  m.time_ms = time_ms;
  m.status = outgoing ? "sent" : "received";
  return m;
}

CallRecord call(std::string sid, std::int64_t start_ms, std::string outcome) {
  CallRecord c;
  c.account = "alice@example.org";
  c.peer = "bob@example.org";
  c.sid = std::move(sid);
  c.direction = "incoming";
  c.start_ms = start_ms;
  c.outcome = std::move(outcome);
  return c;
}

Result<History> memory_history() {
  return History::open(":memory:");
}

// ---- History -------------------------------------------------------------------------------

TEST_F(StoreTest, MessagesComeOldestFirstAndTheLimitKeepsTheNewest) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  // Stored out of time order (a delayed delivery arrives late): listed by time.
  for (std::int64_t t : {3000, 1000, 5000, 2000, 4000}) {
    auto r = h->add_message(msg("bob@example.org", t, "at " + std::to_string(t)));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_GT(*r, 0);
  }
  ASSERT_TRUE(h->add_message(msg("carol@example.org", 6000, "not bob")));
  auto other = msg("bob@example.org", 7000, "another account");
  other.account = "alice@work.example";
  ASSERT_TRUE(h->add_message(other));

  auto last3 = h->messages("alice@example.org", "bob@example.org", 3);
  ASSERT_TRUE(last3) << last3.error().message;
  ASSERT_EQ(last3->size(), 3u);
  EXPECT_EQ((*last3)[0].time_ms, 3000);
  EXPECT_EQ((*last3)[1].time_ms, 4000);
  EXPECT_EQ((*last3)[2].time_ms, 5000);
  EXPECT_EQ((*last3)[2].body, "at 5000");

  auto all = h->messages("alice@example.org", "bob@example.org", 100);
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->front().time_ms, 1000);
  EXPECT_EQ(all->back().time_ms, 5000);

  auto none = h->messages("alice@example.org", "bob@example.org", 0);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(StoreTest, EveryMessageFieldRoundTrips) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  StoredMessage m = msg("bob@example.org", 1700000000123, "hello", "origin-1", true);
  m.carbon = true;
  auto id = h->add_message(m);
  ASSERT_TRUE(id) << id.error().message;
  auto got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  const auto& g = got->front();
  EXPECT_EQ(g.rowid, *id);
  EXPECT_EQ(g.account, "alice@example.org");
  EXPECT_EQ(g.peer, "bob@example.org");
  EXPECT_TRUE(g.outgoing);
  EXPECT_TRUE(g.carbon);
  EXPECT_EQ(g.id, "origin-1");
  EXPECT_EQ(g.body, "hello");
  EXPECT_EQ(g.time_ms, 1700000000123);
  EXPECT_EQ(g.status, "sent");
}

TEST_F(StoreTest, AMessageWithAKnownIdIsNotStoredTwice) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  auto first = h->add_message(msg("bob@example.org", 1000, "first copy", "dup-1"));
  ASSERT_TRUE(first) << first.error().message;
  auto again = h->add_message(msg("bob@example.org", 2000, "second copy", "dup-1"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *first);
  auto got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().body, "first copy");

  // The same id in the other direction, or with another peer, is another message.
  auto ours = h->add_message(msg("bob@example.org", 3000, "ours", "dup-1", true));
  ASSERT_TRUE(ours);
  EXPECT_NE(*ours, *first);
  auto carol = h->add_message(msg("carol@example.org", 3000, "carol's", "dup-1"));
  ASSERT_TRUE(carol);
  EXPECT_NE(*carol, *first);
  // Messages without an id are all kept.
  ASSERT_TRUE(h->add_message(msg("bob@example.org", 4000, "no id")));
  ASSERT_TRUE(h->add_message(msg("bob@example.org", 4000, "no id")));
  got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), 4u);
}

TEST_F(StoreTest, MarkDeliveredFindsOnlyOurOutgoingMessage) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_TRUE(h->add_message(msg("bob@example.org", 1000, "to bob", "out-1", true)));
  ASSERT_TRUE(h->add_message(msg("bob@example.org", 2000, "from bob", "in-1", false)));

  auto yes = h->mark_delivered("alice@example.org", "bob@example.org", "out-1");
  ASSERT_TRUE(yes) << yes.error().message;
  EXPECT_TRUE(*yes);
  auto no = h->mark_delivered("alice@example.org", "bob@example.org", "no-such-id");
  ASSERT_TRUE(no);
  EXPECT_FALSE(*no);
  auto incoming = h->mark_delivered("alice@example.org", "bob@example.org", "in-1");
  ASSERT_TRUE(incoming);
  EXPECT_FALSE(*incoming);
  auto wrong_peer = h->mark_delivered("alice@example.org", "carol@example.org", "out-1");
  ASSERT_TRUE(wrong_peer);
  EXPECT_FALSE(*wrong_peer);

  auto got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].status, "delivered");
  EXPECT_EQ((*got)[1].status, "received");

  auto failed = h->set_status("alice@example.org", "bob@example.org", "out-1", "failed");
  ASSERT_TRUE(failed);
  EXPECT_TRUE(*failed);
  got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[0].status, "failed");
}

TEST_F(StoreTest, UnknownStatusesDirectionsAndOutcomesAreRefusedWithTheirName) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  auto m = msg("bob@example.org", 1000, "x");
  m.status = "read";
  auto r = h->add_message(m);
  ASSERT_FALSE(r);
  EXPECT_TRUE(contains(r.error().message, "\"read\"")) << r.error().message;
  auto s = h->set_status("alice@example.org", "bob@example.org", "x", "bogus");
  ASSERT_FALSE(s);
  EXPECT_TRUE(contains(s.error().message, "\"bogus\"")) << s.error().message;
  auto c = call("s1", 1, "hung-up");
  auto cr = h->add_call(c);
  ASSERT_FALSE(cr);
  EXPECT_TRUE(contains(cr.error().message, "\"hung-up\"")) << cr.error().message;
  c = call("s1", 1, "missed");
  c.direction = "sideways";
  cr = h->add_call(c);
  ASSERT_FALSE(cr);
  EXPECT_TRUE(contains(cr.error().message, "\"sideways\"")) << cr.error().message;
}

TEST_F(StoreTest, ConversationsAreMostRecentFirst) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_TRUE(h->add_message(msg("a@example.org", 100, "1")));
  ASSERT_TRUE(h->add_message(msg("b@example.org", 300, "2")));
  ASSERT_TRUE(h->add_message(msg("c@example.org", 200, "3")));
  ASSERT_TRUE(h->add_message(msg("a@example.org", 500, "4", "", true)));
  auto other = msg("d@example.org", 900, "other account");
  other.account = "alice@work.example";
  ASSERT_TRUE(h->add_message(other));

  auto conv = h->conversations("alice@example.org");
  ASSERT_TRUE(conv) << conv.error().message;
  using Entry = std::pair<std::string, std::int64_t>;
  EXPECT_EQ(*conv, (std::vector<Entry>{
                       {"a@example.org", 500}, {"b@example.org", 300}, {"c@example.org", 200}}));
}

TEST_F(StoreTest, Utf8TextRoundTrips) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  const std::string body = "你好 🎉👩‍👩‍👧 ünïcödé\nsecond line";
  const std::string peer = "张伟@例子.测试";
  auto m = msg(peer, 1000, body, "标识-1");
  ASSERT_TRUE(h->add_message(m));
  auto got = h->messages("alice@example.org", peer, 10);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->front().body, body);
  EXPECT_EQ(got->front().body.size(), body.size());
  EXPECT_EQ(got->front().id, "标识-1");
  auto conv = h->conversations("alice@example.org");
  ASSERT_TRUE(conv);
  ASSERT_EQ(conv->size(), 1u);
  EXPECT_EQ(conv->front().first, peer);
}

TEST_F(StoreTest, CallsAreNewestFirstAndEveryFieldRoundTrips) {
  auto h = memory_history();
  ASSERT_TRUE(h) << h.error().message;
  ASSERT_TRUE(h->add_call(call("s100", 100, "missed")));
  CallRecord full = call("s300", 300, "answered");
  full.direction = "outgoing";
  full.video = true;
  full.duration_ms = 61000;
  full.reason = "success: bye";
  auto id = h->add_call(full);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(h->add_call(call("s200", 200, "declined")));
  auto other = call("s999", 999, "failed");
  other.account = "alice@work.example";
  ASSERT_TRUE(h->add_call(other));

  auto calls = h->calls("alice@example.org", 10);
  ASSERT_TRUE(calls) << calls.error().message;
  ASSERT_EQ(calls->size(), 3u);
  EXPECT_EQ((*calls)[0].sid, "s300");
  EXPECT_EQ((*calls)[1].sid, "s200");
  EXPECT_EQ((*calls)[2].sid, "s100");
  const auto& c = (*calls)[0];
  EXPECT_EQ(c.rowid, *id);
  EXPECT_EQ(c.account, "alice@example.org");
  EXPECT_EQ(c.peer, "bob@example.org");
  EXPECT_EQ(c.direction, "outgoing");
  EXPECT_TRUE(c.video);
  EXPECT_EQ(c.start_ms, 300);
  EXPECT_EQ(c.duration_ms, 61000);
  EXPECT_EQ(c.outcome, "answered");
  EXPECT_EQ(c.reason, "success: bye");
  EXPECT_FALSE((*calls)[1].video);

  auto two = h->calls("alice@example.org", 2);
  ASSERT_TRUE(two);
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].sid, "s200");
}

TEST_F(StoreTest, AReopenedDatabaseKeepsItsDataAndIsPrivate) {
  const std::string file = path("data/jcall/history.sqlite");
  {
    auto h = History::open(file);
    ASSERT_TRUE(h) << h.error().message;
    ASSERT_TRUE(h->add_message(msg("bob@example.org", 1000, "kept", "k-1", true)));
    ASSERT_TRUE(h->add_call(call("s1", 1000, "missed")));
    // Moved, then destroyed with the moved-to object.
    History moved = std::move(*h);
    ASSERT_TRUE(moved.add_message(msg("bob@example.org", 2000, "also kept")));
  }
  EXPECT_EQ(mode_of(path("data")), 0700u);
  EXPECT_EQ(mode_of(path("data/jcall")), 0700u);
  EXPECT_EQ(mode_of(file), 0600u);

  auto h = History::open(file);
  ASSERT_TRUE(h) << h.error().message;
  auto got = h->messages("alice@example.org", "bob@example.org", 10);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].body, "kept");
  EXPECT_EQ((*got)[1].body, "also kept");
  auto calls = h->calls("alice@example.org", 10);
  ASSERT_TRUE(calls);
  EXPECT_EQ(calls->size(), 1u);
  // The id index survived too: the same message is still known.
  auto dup = h->add_message(msg("bob@example.org", 3000, "again", "k-1", true));
  ASSERT_TRUE(dup);
  EXPECT_EQ(*dup, (*got)[0].rowid);
}

TEST_F(StoreTest, OpeningWhereNoDatabaseCanBeSaysWhereAndWhy) {
  // A regular file where a directory should be: fails even for root.
  write_all(path("plain-file"), "x", 0600);
  const std::string under_file = path("plain-file/jcall/history.sqlite");
  auto h = History::open(under_file);
  ASSERT_FALSE(h);
  EXPECT_TRUE(contains(h.error().message, path("plain-file"))) << h.error().message;
  EXPECT_TRUE(contains(h.error().message, "history database")) << h.error().message;
  EXPECT_TRUE(contains(h.error().message, "Not a directory")) << h.error().message;

  // The path is a directory.
  ASSERT_EQ(::mkdir(path("a-dir").c_str(), 0700), 0);
  h = History::open(path("a-dir"));
  ASSERT_FALSE(h);
  EXPECT_TRUE(contains(h.error().message, "cannot open the history database " + path("a-dir")))
      << h.error().message;
  EXPECT_TRUE(contains(h.error().message, "directory")) << h.error().message;

  // A file that is not a database.
  write_all(path("notes.txt"), std::string(4096, 'n'), 0600);
  h = History::open(path("notes.txt"));
  ASSERT_FALSE(h);
  EXPECT_TRUE(contains(h.error().message, path("notes.txt"))) << h.error().message;
  EXPECT_TRUE(contains(h.error().message, "not a database")) << h.error().message;
}

TEST_F(StoreTest, ADatabaseFromANewerJcallIsRefused) {
  const std::string file = path("history.sqlite");
  ASSERT_TRUE(History::open(file));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  auto h = History::open(file);
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, make_error_code(Errc::newer_schema));
  EXPECT_TRUE(contains(h.error().message, "newer version of jcall")) << h.error().message;
  EXPECT_TRUE(contains(h.error().message, file)) << h.error().message;
}

// ---- Configuration -------------------------------------------------------------------------

TEST_F(StoreTest, ConfigRoundTripsEveryField) {
  AppConfig c;
  c.jid = "alice@example.org";
  c.server_host = "xmpp.example.org";
  c.server_port = 5223;
  c.cafile = "/etc/jcall/ca.pem";
  c.remember_password = true;
  c.microphone = "alsa_input.usb-Blue_Yeti-00.analog-stereo";
  c.speaker = "Lautsprecher (Büro)";
  c.camera = "/dev/video2";
  c.ui_scale = 1.25f;
  c.window_width = 1920;
  c.window_height = 1080;
  const std::string file = path("cfg/jcall/config.json");
  auto saved = save_config(file, c);
  ASSERT_TRUE(saved) << saved.error().message;

  auto loaded = load_config(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->jid, c.jid);
  EXPECT_EQ(loaded->server_host, c.server_host);
  EXPECT_EQ(loaded->server_port, 5223);
  EXPECT_EQ(loaded->cafile, c.cafile);
  EXPECT_TRUE(loaded->remember_password);
  EXPECT_EQ(loaded->microphone, c.microphone);
  EXPECT_EQ(loaded->speaker, c.speaker);
  EXPECT_EQ(loaded->camera, c.camera);
  EXPECT_FLOAT_EQ(loaded->ui_scale, 1.25f);
  EXPECT_EQ(loaded->window_width, 1920);
  EXPECT_EQ(loaded->window_height, 1080);

  // Saving again replaces the file (no temporary file stays behind).
  c.jid = "bob@example.org";
  ASSERT_TRUE(save_config(file, c));
  loaded = load_config(file);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->jid, "bob@example.org");
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path("cfg/jcall")))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"config.json"});
}

TEST_F(StoreTest, AMissingConfigGivesTheDefaults) {
  auto loaded = load_config(path("nowhere/config.json"));
  ASSERT_TRUE(loaded) << loaded.error().message;
  const AppConfig d;
  EXPECT_EQ(loaded->jid, "");
  EXPECT_EQ(loaded->server_port, 0);
  EXPECT_FALSE(loaded->remember_password);
  EXPECT_EQ(loaded->ui_scale, 0.0f);
  EXPECT_EQ(loaded->window_width, d.window_width);
  EXPECT_EQ(loaded->window_height, d.window_height);
  EXPECT_EQ(d.window_width, 1280);
  EXPECT_EQ(d.window_height, 800);
}

TEST_F(StoreTest, UnknownConfigKeysAreIgnoredAndMissingOnesDefault) {
  const std::string file = path("config.json");
  write_all(file, R"({"jid": "carol@example.org", "theme": "dark", "window_width": 1000})", 0600);
  auto loaded = load_config(file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->jid, "carol@example.org");
  EXPECT_EQ(loaded->window_width, 1000);
  EXPECT_EQ(loaded->window_height, 800);
}

TEST_F(StoreTest, AMalformedConfigIsAnErrorNamingTheFileAndTheProblem) {
  const std::string file = path("config.json");
  struct Case {
    std::string text, problem;
  };
  for (const auto& [text, problem] : std::vector<Case>{
           {R"({"jid": "alice@example.org",)", "not valid JSON"},
           {R"(["jid"])", "JSON object"},
           {R"({"server_port": "5222"})", "\"server_port\""},
           {R"({"server_port": 70000})", "\"server_port\""},
           {R"({"window_width": -5})", "\"window_width\""},
           {R"({"window_height": 0})", "\"window_height\""},
           {R"({"remember_password": "yes"})", "\"remember_password\""},
           {R"({"jid": 42})", "\"jid\""},
           {R"({"ui_scale": 100})", "\"ui_scale\""},
       }) {
    write_all(file, text, 0600);
    auto loaded = load_config(file);
    ASSERT_FALSE(loaded) << text;
    EXPECT_TRUE(contains(loaded.error().message, file)) << loaded.error().message;
    EXPECT_TRUE(contains(loaded.error().message, problem)) << loaded.error().message;
    EXPECT_EQ(loaded.error().code, make_error_code(Errc::malformed_file)) << text;
  }
}

TEST_F(StoreTest, TheConfigFileIs0600InA0700Directory) {
  const std::string file = path("new/jcall/config.json");
  ASSERT_TRUE(save_config(file, AppConfig{}));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(path("new/jcall")), 0700u);
  // A file that was wider before is 0600 after a save.
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  ASSERT_TRUE(save_config(file, AppConfig{}));
  EXPECT_EQ(mode_of(file), 0600u);
}

TEST_F(StoreTest, TheXdgDirectoriesAreHonoured) {
  {
    EnvVar config("XDG_CONFIG_HOME", dir_.path() + "/xdg-config");
    EnvVar data("XDG_DATA_HOME", dir_.path() + "/xdg-data");
    EXPECT_EQ(config_dir(), dir_.path() + "/xdg-config/jcall");
    EXPECT_EQ(data_dir(), dir_.path() + "/xdg-data/jcall");
  }
  {
    // Unset, empty or relative (the spec says to ignore it): $HOME's.
    EnvVar home("HOME", dir_.path() + "/home");
    EnvVar config("XDG_CONFIG_HOME", std::nullopt);
    EnvVar data("XDG_DATA_HOME", "relative/dir");
    EXPECT_EQ(config_dir(), dir_.path() + "/home/.config/jcall");
    EXPECT_EQ(data_dir(), dir_.path() + "/home/.local/share/jcall");
    EnvVar empty("XDG_CONFIG_HOME", "");
    EXPECT_EQ(config_dir(), dir_.path() + "/home/.config/jcall");
  }
}

// ---- Passwords -----------------------------------------------------------------------------

TEST_F(StoreTest, PasswordsAreSavedLoadedAndForgottenInTheFile) {
  PasswordStore store(path("cfg"), false);
  auto where = store.save("alice@example.org", "s3cret pässwörd");
  ASSERT_TRUE(where) << where.error().message;
  EXPECT_EQ(*where, SecretBackend::kFile);
  ASSERT_TRUE(store.save("bob@example.org", "other"));

  auto pw = store.load("alice@example.org");
  ASSERT_TRUE(pw) << pw.error().message;
  ASSERT_TRUE(pw->has_value());
  EXPECT_EQ(**pw, "s3cret pässwörd");
  auto none = store.load("carol@example.org");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());

  // Replaced, not added.
  ASSERT_TRUE(store.save("alice@example.org", "new"));
  pw = store.load("alice@example.org");
  ASSERT_TRUE(pw && pw->has_value());
  EXPECT_EQ(**pw, "new");

  ASSERT_TRUE(store.forget("alice@example.org"));
  pw = store.load("alice@example.org");
  ASSERT_TRUE(pw);
  EXPECT_FALSE(pw->has_value());
  pw = store.load("bob@example.org");
  ASSERT_TRUE(pw && pw->has_value());
  EXPECT_EQ(**pw, "other");

  // The last one forgotten: no file is left.
  ASSERT_TRUE(store.forget("bob@example.org"));
  EXPECT_FALSE(std::filesystem::exists(store.file()));
  EXPECT_TRUE(store.forget("bob@example.org"));
}

TEST_F(StoreTest, ThePasswordFileIs0600InA0700Directory) {
  PasswordStore store(path("cfg/jcall"), false);
  ASSERT_TRUE(store.save("alice@example.org", "pw"));
  EXPECT_EQ(store.file(), path("cfg/jcall/passwords.json"));
  EXPECT_EQ(mode_of(store.file()), 0600u);
  EXPECT_EQ(mode_of(path("cfg/jcall")), 0700u);
  EXPECT_EQ(mode_of(path("cfg")), 0700u);
}

TEST_F(StoreTest, APasswordFileOthersCanReadIsRefused) {
  PasswordStore store(path("cfg"), false);
  ASSERT_TRUE(store.save("alice@example.org", "hunter2"));
  ASSERT_EQ(::chmod(store.file().c_str(), 0644), 0);

  auto pw = store.load("alice@example.org");
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error().code, make_error_code(Errc::insecure_file));
  EXPECT_TRUE(contains(pw.error().message, store.file())) << pw.error().message;
  EXPECT_TRUE(contains(pw.error().message, "0644")) << pw.error().message;
  EXPECT_TRUE(contains(pw.error().message, "chmod 600")) << pw.error().message;
  EXPECT_FALSE(contains(pw.error().message, "hunter2"));
  auto saved = store.save("alice@example.org", "hunter3");
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, make_error_code(Errc::insecure_file));

  // Forgetting still works, and leaves no readable copy.
  ASSERT_TRUE(store.forget("alice@example.org"));
  EXPECT_FALSE(std::filesystem::exists(store.file()));
}

TEST_F(StoreTest, ADamagedPasswordFileIsAnErrorThatDoesNotShowItsText) {
  PasswordStore store(path("cfg"), false);
  ASSERT_EQ(::mkdir(path("cfg").c_str(), 0700), 0);
  write_all(store.file(), R"({"alice@example.org": "hunter2)", 0600);
  auto pw = store.load("alice@example.org");
  ASSERT_FALSE(pw);
  EXPECT_EQ(pw.error().code, make_error_code(Errc::malformed_file));
  EXPECT_TRUE(contains(pw.error().message, store.file())) << pw.error().message;
  EXPECT_FALSE(contains(pw.error().message, "hunter2")) << pw.error().message;
}

TEST_F(StoreTest, WithoutASessionBusThePasswordGoesToTheFile) {
  EnvVar bus("DBUS_SESSION_BUS_ADDRESS", std::nullopt);
  PasswordStore store(path("cfg"), true);
  auto where = store.save("alice@example.org", "pw");
  ASSERT_TRUE(where) << where.error().message;
  EXPECT_EQ(*where, SecretBackend::kFile);
  EXPECT_TRUE(contains(read_all(store.file()), "alice@example.org"));
  auto pw = store.load("alice@example.org");
  ASSERT_TRUE(pw && pw->has_value());
  EXPECT_EQ(**pw, "pw");
}

TEST_F(StoreTest, DescribeSaysWhereAndHowSafe) {
  PasswordStore store(path("cfg"), false);
  const std::string file = store.describe(SecretBackend::kFile);
  EXPECT_TRUE(contains(file, path("cfg/passwords.json"))) << file;
  EXPECT_TRUE(contains(file, "not encrypted")) << file;
  const std::string keyring = store.describe(SecretBackend::kSecretService);
  EXPECT_TRUE(contains(keyring, "Secret Service")) << keyring;
  EXPECT_FALSE(contains(keyring, "not encrypted")) << keyring;
}

}  // namespace
}  // namespace jcall::app::store
