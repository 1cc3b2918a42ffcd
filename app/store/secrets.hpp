// The account password, stored only when the user ticks "remember". First choice: the Secret
// Service (freedesktop.org Secret Service API, through libsecret: GNOME Keyring, KWallet),
// where it is encrypted at rest. Without a session bus or a running service: a JSON file
// {jid: password} in the config directory, mode 0600, which the UI must describe honestly as
// readable only by the user but not encrypted. A password is never logged, printed or put in
// an error message.
#pragma once

#include <optional>
#include <string>

#include "base/result.hpp"

namespace jcall::app::store {

enum class SecretBackend { kSecretService, kFile };

class PasswordStore {
 public:
  // fallback_dir: where the 0600 file goes (config_dir()); use_secret_service=false skips
  // libsecret (tests). The Secret Service is only tried when DBUS_SESSION_BUS_ADDRESS is set,
  // so that GLib never autolaunches a bus of its own.
  explicit PasswordStore(std::string fallback_dir, bool use_secret_service = true);

  // Secret Service if reachable (and then the file's copy, if any, is removed), else the file.
  Result<SecretBackend> save(const std::string& jid, const std::string& password);
  // Secret Service first, then the file; std::nullopt when neither has one.
  Result<std::optional<std::string>> load(const std::string& jid);
  // Both places.
  Result<void> forget(const std::string& jid);

  // Plain words for the UI, e.g. "in the Secret Service (your desktop keyring)" or
  // "in /home/u/.config/jcall/passwords.json, readable only by you but not encrypted".
  std::string describe(SecretBackend where) const;

  // The fallback file's path.
  const std::string& file() const { return file_; }

 private:
  bool secret_service_usable() const;

  std::string file_;
  bool use_secret_service_;
};

}  // namespace jcall::app::store
