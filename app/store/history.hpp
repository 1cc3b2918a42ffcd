// Chat and call history of the jcall window, kept in one SQLite database per user
// (data_dir()/history.sqlite, config.hpp). Owned by the UI thread: one connection, no locking
// of its own; SQLite's WAL journal and a 2 s busy timeout let a second jcall process (another
// account) share the file. The schema carries a PRAGMA user_version so that a later jcall can
// migrate it; a database from a newer jcall is refused rather than misread.
//
// Duplicates: a message is known by (account, peer, direction, stanza id) — XEP-0359's
// origin-id or the stanza's id — so a message that comes back (carbons, XEP-0280; a stream
// management resend, XEP-0198) is stored once. Messages without an id are always stored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

struct sqlite3;

namespace jcall::app::store {

struct StoredMessage {
  std::int64_t rowid = 0;  // set by the store
  std::string account;     // our bare JID
  std::string peer;        // the contact's bare JID
  bool outgoing = false;
  bool carbon = false;  // sent or received by another of our devices (XEP-0280)
  std::string id;       // stanza id / origin-id; may be empty
  std::string body;
  std::int64_t time_ms = 0;  // unix time, ms
  std::string status;        // "sent" | "delivered" | "received" | "failed"
};

struct CallRecord {
  std::int64_t rowid = 0;
  std::string account, peer, sid;
  std::string direction;  // "outgoing" | "incoming"
  bool video = false;
  std::int64_t start_ms = 0;     // unix ms
  std::int64_t duration_ms = 0;  // 0 when it never connected
  // "answered" | "missed" | "rejected" | "declined" | "failed" | "answered-elsewhere" |
  // "cancelled"
  std::string outcome;
  std::string reason;  // the Jingle reason / text, for the user
};

class History {
 public:
  // Creates the parent directories (0700), the file (0600) and the schema; ":memory:" gives a
  // database that lives as long as this object.
  static Result<History> open(const std::string& path);

  // A moved-from History may only be assigned to or destroyed.
  History(History&&) noexcept;
  History& operator=(History&&) noexcept;
  ~History();

  // Stores a message; with a non-empty id, a second message with the same (account, peer,
  // outgoing, id) is not stored again: returns the first one's rowid. The status must be one
  // of those listed in StoredMessage; account and peer must not be empty.
  Result<std::int64_t> add_message(const StoredMessage& m);
  // Marks our outgoing message `id` to `peer` delivered (XEP-0184). false when no such message.
  Result<bool> mark_delivered(const std::string& account,
                              const std::string& peer,
                              const std::string& id);
  // Sets the status of our outgoing message `id` to `peer` ("failed" on an error reply, ...).
  // false when no such message.
  Result<bool> set_status(const std::string& account,
                          const std::string& peer,
                          const std::string& id,
                          const std::string& status);
  // The newest `limit` messages with peer, oldest first (by time, then by arrival).
  Result<std::vector<StoredMessage>> messages(const std::string& account,
                                              const std::string& peer,
                                              std::size_t limit);
  // Conversations: peers with their last message time, most recent first.
  Result<std::vector<std::pair<std::string, std::int64_t>>> conversations(
      const std::string& account);

  // Stores a finished call. direction and outcome must be among those listed in CallRecord.
  Result<std::int64_t> add_call(const CallRecord& c);
  // The newest `limit` calls, newest first.
  Result<std::vector<CallRecord>> calls(const std::string& account, std::size_t limit);

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  History(std::unique_ptr<sqlite3, Closer> db, std::string path);

  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;  // for error messages
};

}  // namespace jcall::app::store
