// Chat and call history in SQLite (history.hpp). All SQL is constant text run as prepared
// statements; every value reaches SQLite through a bind, never through the SQL text.
#include "app/store/history.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sqlite3.h>
#include <string_view>
#include <system_error>
#include <unistd.h>

#include "app/store/detail/files.hpp"
#include "app/store/errc.hpp"

namespace jcall::app::store {
namespace {

// Version 1: messages and calls. A later version adds a step to kMigrations; open() runs the
// steps above the file's user_version in one transaction.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        outgoing INTEGER NOT NULL,
        carbon INTEGER NOT NULL,
        stanza_id TEXT NOT NULL,
        body TEXT NOT NULL,
        time_ms INTEGER NOT NULL,
        status TEXT NOT NULL
      );
      CREATE UNIQUE INDEX messages_by_stanza_id ON messages (account, peer, outgoing, stanza_id)
        WHERE stanza_id <> '';
      CREATE INDEX messages_by_time ON messages (account, peer, time_ms, id);
      CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        peer TEXT NOT NULL,
        sid TEXT NOT NULL,
        direction TEXT NOT NULL,
        video INTEGER NOT NULL,
        start_ms INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX calls_by_time ON calls (account, start_ms, id);
      PRAGMA user_version = 1;
    )sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

constexpr std::array<std::string_view, 4> kMessageStatuses = {"sent", "delivered", "received",
                                                              "failed"};
constexpr std::array<std::string_view, 2> kDirections = {"outgoing", "incoming"};
constexpr std::array<std::string_view, 7> kOutcomes = {
    "answered", "missed", "rejected", "declined", "failed", "answered-elsewhere", "cancelled"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& set, const std::string& v) {
  for (auto s : set)
    if (s == v)
      return true;
  return false;
}

template <std::size_t N>
std::string list(const std::array<std::string_view, N>& set) {
  std::string out;
  for (auto s : set) {
    if (!out.empty())
      out += ", ";
    out += s;
  }
  return out;
}

std::int64_t clamp_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit < kMax ? limit : kMax);
}

// One prepared statement. A failed bind is kept and returned by the next step(), so that a
// statement's binds need no check each.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const char** tail = nullptr) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, tail);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // SQLITE_OK when prepared; a statement of only whitespace or comments prepares to nothing.
  int prepared() const { return rc_; }
  bool empty() const { return stmt_ == nullptr; }

  Statement& bind(int i, const std::string& text) {
    keep(sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    keep(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Statement& bind(int i, bool v) { return bind(i, std::int64_t{v ? 1 : 0}); }

  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return rc_ != SQLITE_OK ? rc_ : sqlite3_step(stmt_); }
  // Steps until the end; SQLITE_DONE or an error code.
  int run() {
    int rc;
    while ((rc = step()) == SQLITE_ROW) {
    }
    return rc;
  }

  std::string text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  void keep(int rc) {
    if (rc_ == SQLITE_OK)
      rc_ = rc;
  }

  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

// Runs constant SQL (one statement or several) through prepared statements.
int exec(sqlite3* db, const char* sql) {
  while (sql && *sql) {
    const char* tail = nullptr;
    Statement s(db, sql, &tail);
    if (s.prepared() != SQLITE_OK)
      return s.prepared();
    if (!s.empty()) {
      if (int rc = s.run(); rc != SQLITE_DONE)
        return rc;
    }
    sql = tail;
  }
  return SQLITE_OK;
}

Error db_error(sqlite3* db, const std::string& doing, const std::string& path) {
  return make_error(Errc::database_error, "cannot " + doing + " the history database " + path +
                                              ": " + sqlite3_errmsg(db));
}

// Brings the schema to kSchemaVersion; another process may be doing the same, hence the
// check of user_version inside an IMMEDIATE (write-locked) transaction.
Result<void> migrate(sqlite3* db, const std::string& path) {
  auto version = [&]() -> Result<int> {
    Statement s(db, "PRAGMA user_version");
    if (s.step() != SQLITE_ROW)
      return db_error(db, "open", path);
    return static_cast<int>(s.int64(0));
  };
  auto v = version();
  if (!v)
    return v.error();
  if (*v == kSchemaVersion)
    return {};
  if (exec(db, "BEGIN IMMEDIATE") != SQLITE_OK)
    return db_error(db, "open", path);
  v = version();
  if (!v) {
    exec(db, "ROLLBACK");
    return v.error();
  }
  if (*v > kSchemaVersion) {
    exec(db, "ROLLBACK");
    return make_error(Errc::newer_schema,
                      "cannot open the history database " + path +
                          ": it was written by a newer version of jcall (schema " +
                          std::to_string(*v) + ", this jcall knows up to " +
                          std::to_string(kSchemaVersion) + ")");
  }
  for (int step = *v; step < kSchemaVersion; ++step) {
    if (exec(db, kMigrations[step]) != SQLITE_OK) {
      auto err = db_error(db, "create the tables of", path);
      exec(db, "ROLLBACK");
      return err;
    }
  }
  if (exec(db, "COMMIT") != SQLITE_OK) {
    auto err = db_error(db, "create the tables of", path);
    exec(db, "ROLLBACK");
    return err;
  }
  return {};
}

StoredMessage read_message(const Statement& s) {
  StoredMessage m;
  m.rowid = s.int64(0);
  m.account = s.text(1);
  m.peer = s.text(2);
  m.outgoing = s.int64(3) != 0;
  m.carbon = s.int64(4) != 0;
  m.id = s.text(5);
  m.body = s.text(6);
  m.time_ms = s.int64(7);
  m.status = s.text(8);
  return m;
}

}  // namespace

void History::Closer::operator()(sqlite3* db) const noexcept {
  sqlite3_close_v2(db);
}

History::History(std::unique_ptr<sqlite3, Closer> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}
History::History(History&&) noexcept = default;
History& History::operator=(History&&) noexcept = default;
History::~History() = default;

Result<History> History::open(const std::string& path) {
  if (path.empty())
    return make_error(Errc::invalid_argument, "no file name given for the history database");
  if (path != ":memory:") {
    if (auto dirs = detail::make_private_dirs(detail::parent_dir(path), "the history database");
        !dirs)
      return dirs.error();
    // Created here so that it is 0600: SQLite would create it with the umask's mode, and its
    // -wal and -shm files copy the database file's mode.
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
      int err = errno;
      return make_error(std::error_code(err, std::generic_category()),
                        "cannot open the history database " + path + ": " + std::strerror(err));
    }
    ::close(fd);
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    if (!db)
      return make_error(Errc::database_error,
                        "cannot open the history database " + path + ": out of memory");
    return db_error(db.get(), "open", path);
  }
  // The timeout first: switching to WAL takes a lock that another process may hold.
  sqlite3_busy_timeout(db.get(), 2000);
  if (exec(db.get(), "PRAGMA journal_mode = WAL") != SQLITE_OK ||
      exec(db.get(), "PRAGMA synchronous = NORMAL") != SQLITE_OK)
    return db_error(db.get(), "open", path);
  if (auto m = migrate(db.get(), path); !m)
    return m.error();
  return History(std::move(db), path);
}

Result<std::int64_t> History::add_message(const StoredMessage& m) {
  if (m.account.empty() || m.peer.empty())
    return make_error(Errc::invalid_argument,
                      "cannot store a message without its account and peer in the history");
  if (!one_of(kMessageStatuses, m.status))
    return make_error(Errc::invalid_argument,
                      "cannot store a message with the status \"" + m.status +
                          "\" in the history (known: " + list(kMessageStatuses) + ")");
  Statement ins(db_.get(),
                "INSERT OR IGNORE INTO messages (account, peer, outgoing, carbon, stanza_id, body, "
                "time_ms, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, m.account)
      .bind(2, m.peer)
      .bind(3, m.outgoing)
      .bind(4, m.carbon)
      .bind(5, m.id)
      .bind(6, m.body)
      .bind(7, m.time_ms)
      .bind(8, m.status);
  if (ins.run() != SQLITE_DONE)
    return db_error(db_.get(), "store a message in", path_);
  if (sqlite3_changes(db_.get()) > 0)
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.get()));
  // Ignored: the same stanza id is already there.
  Statement sel(db_.get(),
                "SELECT id FROM messages WHERE account = ? AND peer = ? AND outgoing = ? AND "
                "stanza_id = ?");
  sel.bind(1, m.account).bind(2, m.peer).bind(3, m.outgoing).bind(4, m.id);
  if (sel.step() != SQLITE_ROW)
    return db_error(db_.get(), "store a message in", path_);
  return sel.int64(0);
}

Result<bool> History::mark_delivered(const std::string& account,
                                     const std::string& peer,
                                     const std::string& id) {
  return set_status(account, peer, id, "delivered");
}

Result<bool> History::set_status(const std::string& account,
                                 const std::string& peer,
                                 const std::string& id,
                                 const std::string& status) {
  if (!one_of(kMessageStatuses, status))
    return make_error(Errc::invalid_argument, "cannot set a message's status to \"" + status +
                                                  "\" (known: " + list(kMessageStatuses) + ")");
  if (id.empty())
    return false;
  Statement s(db_.get(),
              "UPDATE messages SET status = ? WHERE account = ? AND peer = ? AND outgoing = 1 AND "
              "stanza_id = ?");
  s.bind(1, status).bind(2, account).bind(3, peer).bind(4, id);
  if (s.run() != SQLITE_DONE)
    return db_error(db_.get(), "update a message in", path_);
  return sqlite3_changes(db_.get()) > 0;
}

Result<std::vector<StoredMessage>> History::messages(const std::string& account,
                                                     const std::string& peer,
                                                     std::size_t limit) {
  Statement s(db_.get(),
              "SELECT * FROM (SELECT id, account, peer, outgoing, carbon, stanza_id, body, "
              "time_ms, status FROM messages WHERE account = ? AND peer = ? "
              "ORDER BY time_ms DESC, id DESC LIMIT ?) ORDER BY time_ms, id");
  s.bind(1, account).bind(2, peer).bind(3, clamp_limit(limit));
  std::vector<StoredMessage> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.push_back(read_message(s));
  if (rc != SQLITE_DONE)
    return db_error(db_.get(), "read the messages from", path_);
  return out;
}

Result<std::vector<std::pair<std::string, std::int64_t>>> History::conversations(
    const std::string& account) {
  Statement s(db_.get(),
              "SELECT peer, MAX(time_ms) AS last FROM messages WHERE account = ? GROUP BY peer "
              "ORDER BY last DESC, peer");
  s.bind(1, account);
  std::vector<std::pair<std::string, std::int64_t>> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW)
    out.emplace_back(s.text(0), s.int64(1));
  if (rc != SQLITE_DONE)
    return db_error(db_.get(), "read the conversations from", path_);
  return out;
}

Result<std::int64_t> History::add_call(const CallRecord& c) {
  if (c.account.empty() || c.peer.empty())
    return make_error(Errc::invalid_argument,
                      "cannot store a call without its account and peer in the history");
  if (!one_of(kDirections, c.direction))
    return make_error(Errc::invalid_argument,
                      "cannot store a call with the direction \"" + c.direction +
                          "\" in the history (known: " + list(kDirections) + ")");
  if (!one_of(kOutcomes, c.outcome))
    return make_error(Errc::invalid_argument,
                      "cannot store a call with the outcome \"" + c.outcome +
                          "\" in the history (known: " + list(kOutcomes) + ")");
  Statement s(db_.get(),
              "INSERT INTO calls (account, peer, sid, direction, video, start_ms, duration_ms, "
              "outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.bind(1, c.account)
      .bind(2, c.peer)
      .bind(3, c.sid)
      .bind(4, c.direction)
      .bind(5, c.video)
      .bind(6, c.start_ms)
      .bind(7, c.duration_ms)
      .bind(8, c.outcome)
      .bind(9, c.reason);
  if (s.run() != SQLITE_DONE)
    return db_error(db_.get(), "store a call in", path_);
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.get()));
}

Result<std::vector<CallRecord>> History::calls(const std::string& account, std::size_t limit) {
  Statement s(db_.get(),
              "SELECT id, account, peer, sid, direction, video, start_ms, duration_ms, outcome, "
              "reason FROM calls WHERE account = ? ORDER BY start_ms DESC, id DESC LIMIT ?");
  s.bind(1, account).bind(2, clamp_limit(limit));
  std::vector<CallRecord> out;
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    CallRecord c;
    c.rowid = s.int64(0);
    c.account = s.text(1);
    c.peer = s.text(2);
    c.sid = s.text(3);
    c.direction = s.text(4);
    c.video = s.int64(5) != 0;
    c.start_ms = s.int64(6);
    c.duration_ms = s.int64(7);
    c.outcome = s.text(8);
    c.reason = s.text(9);
    out.push_back(std::move(c));
  }
  if (rc != SQLITE_DONE)
    return db_error(db_.get(), "read the calls from", path_);
  return out;
}

}  // namespace jcall::app::store
