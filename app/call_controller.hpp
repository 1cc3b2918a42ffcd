// The call controller (signaling thread): the thin adapter around jingle::CallManager, the
// sans-I/O calls of the account (XEP-0166 sessions behind XEP-0353 JMI). It feeds the manager
// the stanzas the XMPP client routes to calls (xmpp::CallHooks), owns the steady_timer for
// next_deadline(), sends call_out::Send stanzas, hands media requests to a MediaBackend and
// media events back to the manager, and reports what the user should see to an Observer.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/media_backend.hpp"
#include "signaling/jingle/call_manager.hpp"
#include "signaling/xmpp/client.hpp"

namespace jcall::app {

namespace xmpp = jcall::signaling::xmpp;

class CallController {
 public:
  struct Observer {
    // Incoming, StateChanged and Media outputs of the manager (after the controller acted).
    std::function<void(const jingle::CallOutput&)> output;
    // Every call stanza sent (outgoing) or handled by the manager (incoming).
    std::function<void(bool outgoing, const signaling::xml::Element& stanza)> stanza;
    // Local media events: "local-candidate", "gathering-done", "transport-connected",
    // "transport-failed", "media-error" (detail says why), "first-media" (the first decoded
    // media of the content), "dtmf" (detail: the digit the peer sent).
    std::function<void(const std::string& sid,
                       const std::string& content,
                       const std::string& what,
                       const std::string& detail)>
        media;
  };

  // config.self is filled in once online. Registers itself as the client's call hooks.
  CallController(boost::asio::io_context& io,
                 xmpp::Client& client,
                 jingle::CallManagerConfig config,
                 MediaBackend& media,
                 Observer observer);
  ~CallController();
  CallController(const CallController&) = delete;
  CallController& operator=(const CallController&) = delete;

  // The client is online as `self` (a new session: calls of an older one are gone).
  void on_online(const xmpp::Jid& self, bool resumed);
  bool ready() const { return manager_ != nullptr; }

  // Calls `to`. With Jmi::kAuto and a full JID, first asks the peer's caps (XEP-0115/0030)
  // whether it does XEP-0353. done gets the sid or why the call could not start.
  void call(const xmpp::Jid& to,
            jingle::CallOptions options,
            std::function<void(Result<std::string>)> done);
  Result<void> accept(const std::string& sid);
  Result<void> reject(const std::string& sid);
  Result<void> hangup(const std::string& sid);
  Result<void> set_mute(const std::string& sid, bool on);
  Result<void> set_hold(const std::string& sid, bool on);
  Result<void> set_video(const std::string& sid, bool on);
  Result<void> set_camera(const std::string& sid, bool on);
  // RFC 8445 §9 ICE restart of the call's transports (XEP-0176 §5.5 transport-info).
  Result<void> restart_ice(const std::string& sid);
  // RFC 4733 telephone events on the call's audio.
  Result<void> send_dtmf(const std::string& sid, const std::string& digits);
  void set_busy_policy(bool reject_when_busy);
  // Refuse every new call with <busy/> (XEP-0353 reject, or session-terminate for a direct
  // session-initiate), as a "do not disturb": the call never reaches the call logic or the user.
  void set_always_busy(bool on) { always_busy_ = on; }
  std::vector<std::string> active_calls() const;

 private:
  bool on_iq(const signaling::xml::Element& iq);
  bool on_jmi_message(const signaling::xml::Element& m, xmpp::ChatMessage::Carbon carbon);
  bool refuse_busy(const signaling::xml::Element& stanza, bool carbon);
  void send(signaling::xml::Element stanza);
  Result<void> run(Result<void> r);
  void pump();
  void arm_timer();
  void handle(jingle::CallOutput& o);

  boost::asio::io_context& io_;
  xmpp::Client& client_;
  jingle::CallManagerConfig config_;
  MediaBackend& media_;
  Observer observer_;
  std::unique_ptr<jingle::CallManager> manager_;
  boost::asio::steady_timer timer_;
  bool reject_when_busy_ = true;
  bool always_busy_ = false;
  bool pumping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace jcall::app
