// The account password in the Secret Service or a private file (secrets.hpp).
#include "app/store/secrets.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <libsecret/secret.h>
#include <memory>
#include <system_error>
#include <unistd.h>
#include <utility>

#include <nlohmann/json.hpp>

#include "app/store/detail/files.hpp"
#include "app/store/errc.hpp"

namespace jcall::app::store {
namespace {

using nlohmann::json;

constexpr const char* kWhat = "the password file";

// Our items in the Secret Service: one per account, found by its bare JID.
const SecretSchema* schema() {
  static const SecretSchema s = [] {
    SecretSchema v{};
    v.name = "im.jcall.Password";
    v.flags = SECRET_SCHEMA_NONE;
    v.attributes[0].name = "jid";
    v.attributes[0].type = SECRET_SCHEMA_ATTRIBUTE_STRING;
    return v;  // attributes[1].name == nullptr ends the list
  }();
  return &s;
}

struct GErrorFree {
  void operator()(GError* e) const noexcept { g_error_free(e); }
};
using GErrorPtr = std::unique_ptr<GError, GErrorFree>;

// The file's entries. `check_mode`: refuse a file that others can read or that is not ours
// (load and save); forget() reads it anyway, to take the entry out and rewrite it 0600.
Result<json> read_entries(const std::string& path, bool check_mode) {
  auto file = detail::read_file(path, kWhat);
  if (!file)
    return file.error();
  if (!*file)
    return json::object();
  const auto& f = **file;
  if (check_mode && f.owner != ::geteuid())
    return make_error(Errc::insecure_file, "jcall will not use the password file " + path +
                                               ": it belongs to another user; remove it");
  if (check_mode && (f.mode & 077) != 0) {
    char mode[16];  // room for any unsigned in octal: GCC's -Wformat-truncation checks that at -O2
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(f.mode & 07777));
    return make_error(Errc::insecure_file,
                      "jcall will not use the password file " + path +
                          ": other users can read it (mode " + mode +
                          "), so the passwords in it may be known; change them, then remove "
                          "the file or run chmod 600 on it");
  }
  // Never quote the parser's message: it would show the file's text, a password.
  json j = json::parse(f.bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(Errc::malformed_file,
                      "the password file " + path + " is damaged (not a JSON object); remove it");
  for (const auto& [jid, pw] : j.items()) {
    if (!pw.is_string())
      return make_error(Errc::malformed_file, "the password file " + path +
                                                  " is damaged (the entry for " + jid +
                                                  " is not text); remove it");
  }
  return j;
}

Result<void> write_entries(const std::string& path, const json& j) {
  if (j.empty()) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      int err = errno;
      return make_error(std::error_code(err, std::generic_category()),
                        "cannot remove the password file " + path + ": " + std::strerror(err));
    }
    return {};
  }
  std::string text;
  try {
    text = j.dump(2) + "\n";
  } catch (const json::type_error&) {
    return make_error(Errc::invalid_argument,
                      "cannot save the password: it is not valid UTF-8 text");
  }
  return detail::write_private_file(path, text, kWhat);
}

// Takes `jid`'s entry out of the file, if there is one.
Result<void> forget_in_file(const std::string& path, const std::string& jid) {
  auto j = read_entries(path, false);
  if (!j)
    return j.error();
  if (j->erase(jid) == 0)
    return {};
  return write_entries(path, *j);
}

}  // namespace

PasswordStore::PasswordStore(std::string fallback_dir, bool use_secret_service)
    : file_(std::move(fallback_dir) + "/passwords.json"), use_secret_service_(use_secret_service) {}

bool PasswordStore::secret_service_usable() const {
  const char* bus = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  return use_secret_service_ && bus && *bus;
}

Result<SecretBackend> PasswordStore::save(const std::string& jid, const std::string& password) {
  if (jid.empty())
    return make_error(Errc::invalid_argument, "cannot save a password without its account");
  if (secret_service_usable()) {
    GError* raw = nullptr;
    const std::string label = "jcall password for " + jid;
    gboolean ok =
        secret_password_store_sync(schema(), SECRET_COLLECTION_DEFAULT, label.c_str(),
                                   password.c_str(), nullptr, &raw, "jid", jid.c_str(), nullptr);
    GErrorPtr error(raw);
    if (ok && !error) {
      // No plain copy stays behind from a time without the Secret Service.
      if (auto f = forget_in_file(file_, jid); !f)
        return f.error();
      return SecretBackend::kSecretService;
    }
    // Not reachable (no service, no keyring, refused): the file, which describe() names.
  }
  auto j = read_entries(file_, true);
  if (!j)
    return j.error();
  (*j)[jid] = password;
  if (auto w = write_entries(file_, *j); !w)
    return w.error();
  return SecretBackend::kFile;
}

Result<std::optional<std::string>> PasswordStore::load(const std::string& jid) {
  if (secret_service_usable()) {
    GError* raw = nullptr;
    gchar* pw = secret_password_lookup_sync(schema(), nullptr, &raw, "jid", jid.c_str(), nullptr);
    GErrorPtr error(raw);
    if (pw) {
      std::string out(pw);
      secret_password_free(pw);  // wipes the memory
      return std::optional<std::string>(std::move(out));
    }
  }
  auto j = read_entries(file_, true);
  if (!j)
    return j.error();
  auto it = j->find(jid);
  if (it == j->end())
    return std::optional<std::string>();
  return std::optional<std::string>(it->get<std::string>());
}

Result<void> PasswordStore::forget(const std::string& jid) {
  if (secret_service_usable()) {
    GError* raw = nullptr;
    secret_password_clear_sync(schema(), nullptr, &raw, "jid", jid.c_str(), nullptr);
    GErrorPtr error(raw);  // unreachable: nothing can be there that we could remove
  }
  return forget_in_file(file_, jid);
}

std::string PasswordStore::describe(SecretBackend where) const {
  switch (where) {
    case SecretBackend::kSecretService:
      return "in the Secret Service (your desktop keyring)";
    case SecretBackend::kFile:
      return "in " + file_ + ", readable only by you but not encrypted";
  }
  return "nowhere";
}

}  // namespace jcall::app::store
