// The window's views (Dear ImGui, immediate mode; see window_app.hpp): login, sidebar with
// roster and call history, the call with its video and controls, the chat beside it, the
// incoming call popup, settings and help.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <ctime>

#include <imgui/imgui.h>
#include <imgui/imgui_stdlib.h>

#include "app/window/window_app.hpp"

namespace jcall::app::window {
namespace {

const ImVec4 kDim(0.62f, 0.65f, 0.70f, 1);
const ImVec4 kAccent(0.35f, 0.62f, 0.98f, 1);
const ImVec4 kDanger(0.86f, 0.24f, 0.24f, 1);
const ImVec4 kGood(0.30f, 0.75f, 0.40f, 1);
const ImVec4 kWarn(0.95f, 0.70f, 0.20f, 1);

ImU32 presence_color(const std::string& show) {
  if (show == "available" || show == "chat") {
    return ImGui::GetColorU32(kGood);
  }
  if (show == "away" || show == "xa") {
    return ImGui::GetColorU32(kWarn);
  }
  if (show == "dnd") {
    return ImGui::GetColorU32(kDanger);
  }
  return ImGui::GetColorU32(ImVec4(0.45f, 0.45f, 0.48f, 1));
}

std::string clock_of(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%H:%M", &tm);
  return buf;
}

std::string duration_of(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(0, ms / 1000);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ":%02" PRId64 ":%02" PRId64, s / 3600, (s / 60) % 60,
                  s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02" PRId64 ":%02" PRId64, s / 60, s % 60);
  }
  return buf;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Links in a chat line (http, https, xmpp URIs), for clicking and copying.
std::vector<std::string> links_in(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t best = std::string::npos;
    for (const char* scheme : {"https://", "http://", "xmpp:"}) {
      best = std::min(best, body.find(scheme, pos));
    }
    if (best == std::string::npos) {
      break;
    }
    std::size_t end = best;
    while (end < body.size() && !std::isspace(static_cast<unsigned char>(body[end])) &&
           body[end] != '"' && body[end] != '<' && body[end] != '>') {
      ++end;
    }
    while (end > best && std::string_view(".,;:!?)").find(body[end - 1]) != std::string::npos) {
      --end;
    }
    out.push_back(body.substr(best, end - best));
    pos = end + 1;
  }
  return out;
}

const char* state_words(const CallView& c) {
  if (c.state == "proposing") {
    return c.direction == "outgoing" ? "Calling…" : "Incoming call…";
  }
  if (c.state == "ringing") {
    return c.direction == "outgoing" ? "Ringing…" : "Incoming call…";
  }
  if (c.state == "connecting") {
    return "Connecting…";
  }
  if (c.state == "ended") {
    return "Call ended";
  }
  return "";
}

bool colored_button(const char* label, ImVec4 color, ImVec2 size = ImVec2(0, 0)) {
  ImGui::PushStyleColor(ImGuiCol_Button, color);
  ImGui::PushStyleColor(ImGuiCol_ButtonHovered,
                        ImVec4(color.x * 1.15f, color.y * 1.15f, color.z * 1.15f, 1));
  ImGui::PushStyleColor(ImGuiCol_ButtonActive,
                        ImVec4(color.x * 0.85f, color.y * 0.85f, color.z * 0.85f, 1));
  const bool r = ImGui::Button(label, size);
  ImGui::PopStyleColor(3);
  return r;
}

}  // namespace

void WindowApp::text(std::string_view utf8, float wrap) {
  fonts_->note_text(utf8);
  // Emoji beyond plane 0 (4-byte UTF-8) only the font manager can draw, as images.
  const bool images = std::any_of(utf8.begin(), utf8.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xF8) == 0xF0;
  });
  if (wrap > 0 || images) {
    fonts_->text_wrapped(utf8, wrap > 0 ? wrap : 1e6f);
  } else {
    ImGui::TextUnformatted(utf8.data(), utf8.data() + utf8.size());
  }
}

void WindowApp::call(const std::string& peer, bool video) {
  send({{"cmd", "call"}, {"to", peer}, {"video", video}});
  model_->open_conversation(peer);
}

Options WindowApp::login_options(std::string* error) const {
  Options login = options_;
  login.jid = form_jid_;
  login.password = form_password_;
  login.cafile = form_cafile_;
  login.server.reset();
  if (!form_server_.empty()) {
    const auto colon = form_server_.rfind(':');
    const int port =
        colon == std::string::npos ? 5222 : std::atoi(form_server_.c_str() + colon + 1);
    if (port <= 0 || port > 65535) {
      *error = "The server must be host:port, e.g. xmpp.example.org:5222";
    } else {
      login.server =
          std::make_pair(form_server_.substr(0, colon), static_cast<std::uint16_t>(port));
    }
  }
  if (form_jid_.find('@') == std::string::npos) {
    *error = "The address must look like you@example.org";
  } else if (form_password_.empty()) {
    *error = "Enter your password";
  }
  return login;
}

void WindowApp::draw_login() {
  const ImGuiIO& io = ImGui::GetIO();
  const float w = std::min(460.f * scale_, io.DisplaySize.x - 20);
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x / 2, io.DisplaySize.y / 2), ImGuiCond_Always,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(w, 0));
  ImGui::Begin("Sign in to jcall", nullptr,
               ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings);
  ImGui::PushFont(fonts_->large());
  ImGui::TextUnformatted("jcall");
  ImGui::PopFont();
  ImGui::TextColored(kDim, "Voice and video calls with your XMPP contacts");
  ImGui::Separator();
  ImGui::TextUnformatted("Address (JID)");
  ImGui::SetNextItemWidth(-1);
  ImGui::InputTextWithHint("##jid", "you@example.org", &form_jid_);
  mark("login-jid");
  ImGui::TextUnformatted("Password");
  ImGui::SetNextItemWidth(-1);
  const bool enter =
      ImGui::InputText("##password", &form_password_,
                       ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
  mark("login-password");
  const bool server_open = ImGui::TreeNode("Server (optional)");
  mark("login-server-toggle");
  if (server_open) {
    ImGui::TextColored(kDim, "Host:port, when DNS SRV records do not point to it");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##server", "xmpp.example.org:5222", &form_server_);
    mark("login-server");
    ImGui::TextColored(kDim, "Extra CA certificate file (certificates are always verified)");
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##cafile", "/path/to/ca.pem", &form_cafile_);
    mark("login-cafile");
    ImGui::TreePop();
  }
  ImGui::Checkbox("Remember the password", &form_remember_);
  mark("login-remember");
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip(
        "Kept in your desktop keyring (Secret Service) when one is running,\n"
        "otherwise in a file in %s readable only by you, but not encrypted.",
        store::config_dir().c_str());
  }
  const std::string& problem = session_ && !model_->connection().message.empty()
                                   ? model_->connection().message
                                   : login_error_;
  if (!problem.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kDanger);
    text(problem, ImGui::GetContentRegionAvail().x);
    ImGui::PopStyleColor();
  }
  if (session_) {
    // Signing in: what the connection does, and a way back.
    const Connection& conn = model_->connection();
    if (conn.state == "reconnecting") {
      const std::int64_t in = std::max<std::int64_t>(0, conn.retry_at_ms - now_ms());
      ImGui::TextColored(kWarn, "Trying again in %" PRId64 " s", (in + 999) / 1000);
    } else {
      ImGui::TextColored(kDim, "Connecting…");
    }
    if (ImGui::Button("Cancel", ImVec2(-1, 0))) {
      user_stopped_ = true;
      session_->post_stop();
    }
    mark("sign-in-cancel");
    ImGui::End();
    return;
  }
  const bool go = colored_button("Sign in", kAccent, ImVec2(-1, 0)) || enter;
  mark("sign-in");
  if (go) {
    login_error_.clear();
    Options login = login_options(&login_error_);
    if (login_error_.empty()) {
      config_.jid = form_jid_;
      config_.cafile = form_cafile_;
      config_.server_host = login.server ? login.server->first : "";
      config_.server_port = login.server ? login.server->second : 0;
      config_.remember_password = form_remember_;
      if (form_remember_) {
        if (auto where = passwords_->save(form_jid_, form_password_)) {
          model_->add_notice("Your password is stored " + passwords_->describe(*where));
        } else {
          login_error_ = where.error().describe();
        }
      } else {
        (void)passwords_->forget(form_jid_);
      }
      if (auto r = store::save_config(config_path_, config_); !r) {
        login_error_ = r.error().describe();
      }
      start_session(std::move(login));
    }
  }
  ImGui::End();
}

void WindowApp::draw_main() {
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
  ImGui::Begin("##main", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_MenuBar |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBackground);
  ImGui::PopStyleVar();
  // Menu bar: who we are, presence, connection, settings.
  if (ImGui::BeginMenuBar()) {
    ImGui::TextColored(kAccent, "jcall");
    const Connection& conn = model_->connection();
    ImGui::TextUnformatted(conn.jid.empty() ? login_.jid.c_str() : conn.jid.c_str());
    static const char* kShows[] = {"Available", "Free to chat", "Away", "Do not disturb",
                                   "Extended away"};
    static const char* kShowValues[] = {"", "chat", "away", "dnd", "xa"};
    ImGui::SetNextItemWidth(150 * scale_);
    if (ImGui::Combo("##show", &show_index_, kShows, IM_ARRAYSIZE(kShows))) {
      send({{"cmd", "presence"}, {"show", kShowValues[show_index_]}, {"status", status_text_}});
    }
    ImGui::SetNextItemWidth(180 * scale_);
    if (ImGui::InputTextWithHint("##status", "Status message", &status_text_,
                                 ImGuiInputTextFlags_EnterReturnsTrue)) {
      send({{"cmd", "presence"}, {"show", kShowValues[show_index_]}, {"status", status_text_}});
    }
    if (conn.state == "online") {
      ImGui::TextColored(kGood, "● online");
    } else if (conn.state == "reconnecting") {
      const std::int64_t in = std::max<std::int64_t>(0, conn.retry_at_ms - now_ms());
      ImGui::TextColored(kWarn, "● reconnecting in %" PRId64 " s", (in + 999) / 1000);
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s", conn.message.c_str());
      }
    } else if (conn.state == "connecting") {
      ImGui::TextColored(kWarn, "● connecting…");
    } else {
      ImGui::TextColored(kDanger, "● %s", conn.state.c_str());
    }
    if (ImGui::BeginMenu("Menu")) {
      if (ImGui::MenuItem("Settings…")) {
        show_settings_ = true;
      }
      if (ImGui::MenuItem("Keyboard shortcuts", "F1")) {
        show_help_ = true;
      }
      if (ImGui::MenuItem("Full screen", "F11", fullscreen_)) {
        fullscreen_ = !fullscreen_;
        SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
      }
      if (ImGui::MenuItem("Sign out") && session_) {
        user_stopped_ = true;
        session_->post_quit();
      }
      if (ImGui::MenuItem("Quit")) {
        quit_ = true;
      }
      ImGui::EndMenu();
    }
    ImGui::EndMenuBar();
  }
  if (model_->connection().state != "online" && !model_->connection().message.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kWarn);
    text(model_->connection().message, ImGui::GetContentRegionAvail().x);
    ImGui::PopStyleColor();
  }
  const float sidebar = std::min(300.f * scale_, ImGui::GetContentRegionAvail().x * 0.35f);
  if (!fullscreen_) {
    draw_sidebar(sidebar);
    ImGui::SameLine();
  }
  ImGui::BeginGroup();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const CallView* current = model_->current_call();
  const std::string peer = model_->active_peer();
  if (current != nullptr) {
    const float chat_w = fullscreen_ ? 0 : std::min(380.f * scale_, avail.x * 0.4f);
    draw_call_area(*current, ImVec2(avail.x - chat_w - (chat_w > 0 ? 8 : 0), avail.y));
    if (chat_w > 0) {
      ImGui::SameLine();
      draw_chat(bare_jid(current->peer), ImVec2(chat_w, avail.y));
    }
  } else if (!peer.empty()) {
    draw_chat(peer, avail);
  } else {
    ImGui::BeginChild("##welcome", avail, true);
    ImGui::PushFont(fonts_->large());
    ImGui::TextUnformatted("Welcome to jcall");
    ImGui::PopFont();
    ImGui::TextColored(kDim,
                       "Pick a contact on the left to chat, or press Audio or Video to call.\n"
                       "Press F1 for the keyboard shortcuts.");
    ImGui::EndChild();
  }
  ImGui::EndGroup();
  ImGui::End();
  draw_incoming_popup();
  draw_settings();
  draw_help();
  draw_add_contact_popup();
  handle_shortcuts();
}

void WindowApp::draw_sidebar(float width) {
  ImGui::BeginChild("##sidebar", ImVec2(width, 0), true);
  if (ImGui::BeginTabBar("##tabs")) {
    const bool contacts = ImGui::BeginTabItem("Contacts");
    mark("tab-contacts");
    if (contacts) {
      draw_contacts();
      ImGui::EndTabItem();
    }
    const bool calls = ImGui::BeginTabItem("Calls");
    mark("tab-calls");
    if (calls) {
      draw_call_history();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

void WindowApp::draw_contacts() {
  if (ImGui::Button("+ Add contact", ImVec2(-1, 0))) {
    show_add_contact_ = true;  // the popup is drawn (once) by draw_main
  }
  mark("add-contact");
  for (const std::string& jid : std::vector<std::string>(model_->subscription_requests().begin(),
                                                         model_->subscription_requests().end())) {
    ImGui::PushID(jid.c_str());
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.20f, 0.22f, 0.30f, 1));
    ImGui::BeginChild("##req", ImVec2(-1, ImGui::GetFrameHeightWithSpacing() * 3.2f), true);
    text(jid + " wants to see your presence", ImGui::GetContentRegionAvail().x);
    if (colored_button("Approve", kGood)) {
      send({{"cmd", "approve"}, {"to", jid}});
      send({{"cmd", "subscribe"}, {"to", jid}});  // and ask back, as people expect
      model_->drop_request(jid);
    }
    mark("approve:" + jid);
    ImGui::SameLine();
    if (colored_button("Deny", kDanger)) {
      send({{"cmd", "deny"}, {"to", jid}});
      model_->drop_request(jid);
    }
    mark("deny:" + jid);
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
  ImGui::BeginChild("##contacts");
  const float row_h = ImGui::GetTextLineHeightWithSpacing() * 2.4f;
  for (const Contact* c : model_->sorted_contacts()) {
    ImGui::PushID(c->jid.c_str());
    const ImVec2 top = ImGui::GetCursorScreenPos();
    const bool active = model_->active_peer() == c->jid;
    if (ImGui::Selectable("##row", active, ImGuiSelectableFlags_AllowItemOverlap,
                          ImVec2(0, row_h))) {
      model_->open_conversation(c->jid);
      focus_chat_input_ = true;
    }
    mark("contact:" + c->jid);
    if (ImGui::BeginPopupContextItem("##ctx")) {
      if (ImGui::MenuItem("Remove contact")) {
        send({{"cmd", "roster-remove"}, {"jid", c->jid}});
      }
      mark("remove-contact:" + c->jid);
      if (ImGui::MenuItem("Ask to see presence again")) {
        send({{"cmd", "subscribe"}, {"to", c->jid}});
      }
      if (ImGui::MenuItem("Copy address")) {
        ImGui::SetClipboardText(c->jid.c_str());
      }
      ImGui::EndPopup();
    }
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float r = 5 * scale_;
    dl->AddCircleFilled(ImVec2(top.x + r + 4 * scale_, top.y + row_h * 0.3f), r,
                        presence_color(c->show()));
    ImGui::SetCursorScreenPos(ImVec2(top.x + 2 * r + 10 * scale_, top.y + 2 * scale_));
    text(c->display_name());
    if (c->unread > 0) {
      ImGui::SameLine();
      ImGui::TextColored(kAccent, "(%d)", c->unread);
    }
    ImGui::SetCursorScreenPos(
        ImVec2(top.x + 2 * r + 10 * scale_, top.y + ImGui::GetTextLineHeightWithSpacing()));
    ImGui::PushStyleColor(ImGuiCol_Text, kDim);
    if (c->chat_state == "composing") {
      ImGui::TextUnformatted("typing…");
    } else {
      std::string line = c->show() == "offline" ? "offline" : c->show();
      if (!c->status().empty()) {
        line += " — " + c->status();
      }
      if (c->ask) {
        line += " (request sent)";
      }
      text(line);
    }
    ImGui::PopStyleColor();
    // Call buttons at the right of the row.
    const float bw = ImGui::CalcTextSize("Video").x + ImGui::GetStyle().FramePadding.x * 2;
    const float right = ImGui::GetWindowContentRegionMax().x + ImGui::GetWindowPos().x;
    ImGui::SetCursorScreenPos(ImVec2(right - 2 * bw - 12 * scale_, top.y + row_h * 0.22f));
    if (ImGui::SmallButton("Audio")) {
      call(c->jid, false);
    }
    mark("call-audio:" + c->jid);
    ImGui::SameLine();
    if (ImGui::SmallButton("Video")) {
      call(c->jid, true);
    }
    mark("call-video:" + c->jid);
    ImGui::SetCursorScreenPos(ImVec2(top.x, top.y + row_h + ImGui::GetStyle().ItemSpacing.y));
    ImGui::Dummy(ImVec2(0, 0));
    ImGui::PopID();
  }
  if (!model_->notices().empty()) {
    ImGui::Separator();
    ImGui::PushStyleColor(ImGuiCol_Text, kDim);
    text(model_->notices().back(), ImGui::GetContentRegionAvail().x);
    ImGui::PopStyleColor();
  }
  ImGui::EndChild();
}

void WindowApp::draw_add_contact_popup() {
  if (show_add_contact_ && !ImGui::IsPopupOpen("Add contact")) {
    ImGui::OpenPopup("Add contact");
  }
  if (ImGui::BeginPopupModal("Add contact", &show_add_contact_,
                             ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::TextUnformatted("Address");
    ImGui::SetNextItemWidth(320 * scale_);
    ImGui::InputTextWithHint("##addjid", "friend@example.org", &add_jid_);
    mark("add-jid");
    ImGui::TextUnformatted("Name (optional)");
    ImGui::SetNextItemWidth(320 * scale_);
    ImGui::InputText("##addname", &add_name_);
    ImGui::TextColored(kDim, "They will be asked to let you see their presence.");
    const bool valid =
        add_jid_.find('@') != std::string::npos || add_jid_.find('.') != std::string::npos;
    ImGui::BeginDisabled(!valid);
    if (colored_button("Add", kAccent)) {
      send({{"cmd", "roster-add"}, {"jid", add_jid_}, {"name", add_name_}});
      send({{"cmd", "subscribe"}, {"to", add_jid_}});
      add_jid_.clear();
      add_name_.clear();
      show_add_contact_ = false;
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndDisabled();
    mark("add-confirm");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) {
      show_add_contact_ = false;
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

void WindowApp::draw_call_history() {
  if (model_->call_history().empty()) {
    ImGui::TextColored(kDim, "No calls yet.");
  }
  for (const auto& r : model_->call_history()) {
    ImGui::PushID(r.sid.c_str());
    const bool missed = r.outcome == "missed";
    ImGui::TextColored(missed ? kDanger : kDim, "%s %s", r.direction == "incoming" ? "↙" : "↗",
                       r.video ? "video" : "audio");
    ImGui::SameLine();
    text(r.peer);
    std::string line = clock_of(r.start_ms) + "  " + r.outcome;
    if (r.duration_ms > 0) {
      line += "  " + duration_of(r.duration_ms);
    }
    ImGui::TextColored(kDim, "%s", line.c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("Call back")) {
      call(r.peer, r.video);
    }
    mark("call-back:" + r.sid);
    ImGui::Separator();
    ImGui::PopID();
  }
}

void WindowApp::draw_call_area(const CallView& c, ImVec2 size) {
  ImGui::BeginChild("##call", size, true, ImGuiWindowFlags_NoScrollbar);
  // The controls take one row, or two when the call area is narrow (they wrap).
  const bool two_rows = ImGui::GetContentRegionAvail().x < 700 * scale_;
  const float controls_h = ImGui::GetFrameHeightWithSpacing() * (two_rows ? 2.5f : 1.5f);
  const ImVec2 area(ImGui::GetContentRegionAvail().x,
                    ImGui::GetContentRegionAvail().y - controls_h);
  Feed* feed = feed_of(c.sid);
  draw_video(feed != nullptr ? &feed->remote : nullptr, feed != nullptr ? &feed->self : nullptr, c,
             area);
  draw_call_controls(c);
  ImGui::EndChild();
}

void WindowApp::draw_video(VideoView* remote, VideoView* self, const CallView& c, ImVec2 size) {
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 black = IM_COL32(10, 10, 12, 255);
  ImGui::InvisibleButton("##video", size);
  mark("video-area");
  if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(0)) {
    fullscreen_ = !fullscreen_;
    SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
  }
  // The media side scales the video down to the pixels it is shown in (the conversion and
  // the drawing then touch only those), so a frame usually fits as it is: drawn 1:1, on whole
  // pixels. Larger than the source (full screen), the picture is scaled up here.
  const ImVec2 fb = ImGui::GetIO().DisplayFramebufferScale;
  if (remote != nullptr && remote->mailbox) {
    remote->mailbox->set_display_box(static_cast<int>(size.x * fb.x),
                                     static_cast<int>(size.y * fb.y));
  }
  const bool has_remote = remote != nullptr && remote->texture != nullptr && c.video;
  if (has_remote) {
    // Scaled to fit, keeping the aspect ratio (letterboxed).
    float s = std::min(size.x * fb.x / remote->width, size.y * fb.y / remote->height);
    if (s >= 1 &&
        (s * remote->width - remote->width < 2 || s * remote->height - remote->height < 2)) {
      s = 1;  // made for this box: no scaling
    }
    const ImVec2 d(remote->width * s / fb.x, remote->height * s / fb.y);
    const ImVec2 p(std::floor(origin.x + (size.x - d.x) / 2),
                   std::floor(origin.y + (size.y - d.y) / 2));
    // Black bars only where the picture does not cover (each covered pixel costs a frame's
    // worth of work under software rendering).
    if (p.y > origin.y + 0.5f) {
      dl->AddRectFilled(origin, ImVec2(origin.x + size.x, p.y), black);
      dl->AddRectFilled(ImVec2(origin.x, p.y + d.y), ImVec2(origin.x + size.x, origin.y + size.y),
                        black);
    }
    if (p.x > origin.x + 0.5f) {
      dl->AddRectFilled(origin, ImVec2(p.x, origin.y + size.y), black);
      dl->AddRectFilled(ImVec2(p.x + d.x, origin.y), ImVec2(origin.x + size.x, origin.y + size.y),
                        black);
    }
    dl->AddImage(remote->texture, p, ImVec2(p.x + d.x, p.y + d.y));
    widgets_building_["remote-video"] = ImVec4(p.x, p.y, p.x + d.x, p.y + d.y);
  } else {
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), black, 6 * scale_);
    ImGui::PushFont(fonts_->large());
    const std::string name = bare_jid(c.peer);
    fonts_->note_text(name);
    const ImVec2 ts = ImGui::CalcTextSize(name.c_str());
    dl->AddText(ImVec2(origin.x + (size.x - ts.x) / 2, origin.y + size.y * 0.4f),
                IM_COL32(230, 230, 235, 255), name.c_str());
    ImGui::PopFont();
    const char* sub = c.video && c.state == "active" ? "Waiting for video…" : state_words(c);
    const ImVec2 ss = ImGui::CalcTextSize(sub);
    dl->AddText(ImVec2(origin.x + (size.x - ss.x) / 2, origin.y + size.y * 0.4f + ts.y * 1.4f),
                ImGui::GetColorU32(kDim), sub);
  }
  // Self-view, picture in picture, bottom right.
  const float self_w = std::floor(std::max(120.f * scale_, size.x * 0.24f));
  if (self != nullptr && self->mailbox) {
    self->mailbox->set_display_box(static_cast<int>(self_w * fb.x),
                                   static_cast<int>(size.y * fb.y));
  }
  if (self != nullptr && self->texture != nullptr && c.video) {
    float w = self_w;
    if (std::abs(self->width / fb.x - w) < 2) {
      w = self->width / fb.x;  // made for this width: no scaling
    }
    const float h = w * self->height / std::max(1, self->width);
    const float m = 10 * scale_;
    const ImVec2 p(std::floor(origin.x + size.x - w - m), std::floor(origin.y + size.y - h - m));
    dl->AddRectFilled(ImVec2(p.x - 2, p.y - 2), ImVec2(p.x + w + 2, p.y + h + 2),
                      IM_COL32(255, 255, 255, 160), 4);
    dl->AddImage(self->texture, p, ImVec2(p.x + w, p.y + h));
    if (!c.camera_on) {
      dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), IM_COL32(0, 0, 0, 190));
      dl->AddText(ImVec2(p.x + 8, p.y + 8), IM_COL32(255, 255, 255, 255), "camera off");
    }
    widgets_building_["self-view"] = ImVec4(p.x, p.y, p.x + w, p.y + h);
  }
  // Who, and how long.
  std::string head = bare_jid(c.peer);
  if (c.state == "active") {
    head += "   " + duration_of(now_ms() - c.connected_ms);
    if (c.on_hold) {
      head += "   on hold";
    }
    if (c.muted) {
      head += "   muted";
    }
  } else {
    head += "   " + std::string(state_words(c));
  }
  fonts_->note_text(head);
  dl->AddRectFilled(ImVec2(origin.x + 8, origin.y + 8),
                    ImVec2(origin.x + 24 + ImGui::CalcTextSize(head.c_str()).x,
                           origin.y + 14 + ImGui::GetTextLineHeight()),
                    IM_COL32(0, 0, 0, 150), 4);
  dl->AddText(ImVec2(origin.x + 16, origin.y + 11), IM_COL32(255, 255, 255, 255), head.c_str());
  if (show_stats_) {
    draw_stats_overlay(c, ImVec2(origin.x + 8, origin.y + 20 + ImGui::GetTextLineHeight()));
  }
}

void WindowApp::draw_stats_overlay(const CallView& c, ImVec2 pos) {
  ImGui::SetNextWindowPos(pos);
  ImGui::SetNextWindowBgAlpha(0.7f);
  ImGui::Begin("##stats", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                   ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav |
                   ImGuiWindowFlags_NoSavedSettings);
  mark("stats-overlay");
  const json& s = c.stats;
  if (!s.is_object()) {
    ImGui::TextUnformatted("statistics come once a second…");
  }
  for (const auto& st : s.value("streams", json::array())) {
    const std::string media = st.value("media", "");
    ImGui::TextColored(kAccent, "%s  %s", media.c_str(), st.value("codec", "").c_str());
    const double lost = st.value("packets_lost", 0.0);
    const double recv = st.value("packets_received", 0.0);
    ImGui::Text("loss %.1f %%   jitter %.1f ms   RTT %s ms",
                recv + lost > 0 ? 100 * lost / (recv + lost) : 0.0, st.value("jitter_ms", 0.0),
                st["rtt_ms"].is_number() ? std::to_string(st["rtt_ms"].get<int>()).c_str() : "–");
    if (st.contains("video")) {
      const json& v = st["video"];
      ImGui::Text("in  %dx%d  %.0f fps  %.0f kbit/s", v.value("width", 0), v.value("height", 0),
                  v.value("fps", 0.0), v.value("bitrate_received_kbps", 0.0));
      ImGui::Text("out %dx%d  %d fps  %.0f kbit/s (target %.0f)", v.value("sent_width", 0),
                  v.value("sent_height", 0), v.value("sent_fps", 0),
                  v.value("bitrate_sent_kbps", 0.0), v.value("target_bitrate_kbps", 0.0));
      ImGui::Text("freezes %d   NACK %d/%d   PLI %d/%d", v.value("freezes", 0),
                  v.value("nacks_sent", 0), v.value("nacks_received", 0),
                  v.value("keyframe_requests_sent", 0), v.value("keyframe_requests_received", 0));
    } else if (st.contains("received_tone")) {
      ImGui::Text("level %.1f dBFS   packets %d/%d", st["received_tone"].value("level_dbfs", 0.0),
                  st.value("packets_sent", 0), st.value("packets_received", 0));
    }
  }
  for (const auto& t : s.value("transports", json::array())) {
    const std::string local = t.contains("local") ? t["local"].value("type", "?") : "?";
    const std::string remote = t.contains("remote") ? t["remote"].value("type", "?") : "?";
    ImGui::TextColored(kAccent, "transport %s", t.value("name", "").c_str());
    ImGui::Text("pair %s ↔ %s  (%s)", local.c_str(), remote.c_str(),
                t.contains("local") ? t["local"].value("protocol", "udp").c_str() : "");
    if (t.contains("dtls") && t.contains("srtp")) {
      ImGui::Text("%s  %s", t["dtls"].value("version", "").c_str(),
                  t["srtp"].value("profile", "").c_str());
    }
  }
  ImGui::End();
}

void WindowApp::draw_call_controls(const CallView& c) {
  ImGui::Spacing();
  // Hang up comes first, where the eye looks; the rest follow and wrap when the area is narrow.
  const float right_edge = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  auto next = [&](const char* label) {
    const float w = ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SameLine();
    if (ImGui::GetCursorScreenPos().x + w > right_edge) {
      ImGui::NewLine();
    }
  };
  const bool live = c.state != "ended";
  ImGui::BeginDisabled(!live);
  if (colored_button("Hang up", kDanger)) {
    send({{"cmd", "hangup"}, {"sid", c.sid}});
  }
  mark("hangup");
  next(c.muted ? "Unmute" : "Mute");
  if (ImGui::Button(c.muted ? "Unmute" : "Mute")) {
    send({{"cmd", "mute"}, {"sid", c.sid}, {"on", !c.muted}});
    model_->set_call_flag(c.sid, "mute", !c.muted);
  }
  mark("mute");
  next(c.video ? (c.camera_on ? "Camera off" : "Camera on") : "Start video");
  if (c.video) {
    if (ImGui::Button(c.camera_on ? "Camera off" : "Camera on")) {
      send({{"cmd", "camera"}, {"sid", c.sid}, {"on", !c.camera_on}});
      model_->set_call_flag(c.sid, "camera", !c.camera_on);
    }
    mark("camera");
  } else {
    ImGui::BeginDisabled(c.state != "active");
    if (ImGui::Button("Start video")) {
      send({{"cmd", "video"}, {"sid", c.sid}, {"on", true}});
    }
    ImGui::EndDisabled();
    mark("video");
  }
  next(c.on_hold ? "Resume" : "Hold");
  if (ImGui::Button(c.on_hold ? "Resume" : "Hold")) {
    send({{"cmd", "hold"}, {"sid", c.sid}, {"on", !c.on_hold}});
    model_->set_call_flag(c.sid, "hold", !c.on_hold);
  }
  mark("hold");
  next("Keypad");
  if (ImGui::Button("Keypad")) {
    show_dtmf_ = !show_dtmf_;
  }
  mark("dtmf");
  next(show_stats_ ? "Hide stats" : "Stats");
  if (ImGui::Button(show_stats_ ? "Hide stats" : "Stats")) {
    show_stats_ = !show_stats_;
  }
  mark("stats");
  next(fullscreen_ ? "Exit full screen" : "Full screen");
  if (ImGui::Button(fullscreen_ ? "Exit full screen" : "Full screen")) {
    fullscreen_ = !fullscreen_;
    SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
  }
  mark("fullscreen");
  ImGui::EndDisabled();
  if (show_dtmf_ && live) {
    ImGui::SetNextWindowSize(ImVec2(0, 0));
    ImGui::Begin("Keypad", &show_dtmf_,
                 ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings);
    static const char* kKeys = "123456789*0#";
    for (int i = 0; i < 12; ++i) {
      const char label[2] = {kKeys[i], 0};
      if (ImGui::Button(label, ImVec2(48 * scale_, 40 * scale_))) {
        send({{"cmd", "dtmf"}, {"sid", c.sid}, {"digits", std::string(1, kKeys[i])}});
        model_->note_dtmf(c.sid, label);
      }
      mark(std::string("dtmf-") + label);
      if (i % 3 != 2) {
        ImGui::SameLine();
      }
    }
    ImGui::TextColored(kDim, "sent: %s", c.dtmf_sent.c_str());
    ImGui::End();
  }
}

void WindowApp::draw_chat(const std::string& peer, ImVec2 size) {
  ImGui::BeginChild("##chat", size, true, ImGuiWindowFlags_NoScrollbar);
  const auto& contacts = model_->contacts();
  const auto cit = contacts.find(peer);
  const std::string name = cit != contacts.end() ? cit->second.display_name() : peer;
  ImGui::PushFont(fonts_->large());
  text(name);
  ImGui::PopFont();
  if (cit != contacts.end()) {
    ImGui::SameLine();
    ImGui::TextColored(kDim, "%s", cit->second.show().c_str());
  }
  if (model_->current_call() == nullptr) {
    ImGui::SameLine();
    if (ImGui::SmallButton("Audio call")) {
      call(peer, false);
    }
    mark("chat-call-audio");
    ImGui::SameLine();
    if (ImGui::SmallButton("Video call")) {
      call(peer, true);
    }
    mark("chat-call-video");
  }
  ImGui::Separator();
  const float input_h = ImGui::GetTextLineHeight() * 3 + ImGui::GetStyle().FramePadding.y * 2;
  const float footer =
      input_h + ImGui::GetTextLineHeightWithSpacing() * 1.3f + ImGui::GetStyle().ItemSpacing.y * 2;
  ImGui::BeginChild("##log", ImVec2(0, -footer), false);
  mark("chat-log");
  const auto& lines = model_->lines(peer);
  const float wrap = ImGui::GetContentRegionAvail().x - 8 * scale_;
  int index = 0;
  for (const ChatLine& l : lines) {
    ImGui::PushID(index++);
    ImGui::PushStyleColor(ImGuiCol_Text, l.outgoing ? kAccent : kDim);
    std::string who = l.outgoing ? (l.carbon ? "You (other device)" : "You") : name;
    text(who + "  " + clock_of(l.time_ms));
    ImGui::PopStyleColor();
    if (l.outgoing) {
      ImGui::SameLine();
      if (l.status == "delivered") {
        ImGui::TextColored(kGood, "✓✓");
      } else if (l.status == "failed") {
        ImGui::TextColored(kDanger, "not delivered");
      } else {
        ImGui::TextColored(kDim, "✓");
      }
    }
    ImGui::BeginGroup();
    text(l.body, wrap);
    ImGui::EndGroup();
    mark("message:" + std::to_string(index - 1));
    const auto links = links_in(l.body);
    for (const auto& link : links) {
      ImGui::TextColored(kAccent, "↗ %s", link.c_str());
      if (ImGui::IsItemHovered()) {
        ImGui::SetMouseCursor(ImGuiMouseCursor_Hand);
        ImGui::SetTooltip("Open %s (right-click to copy)", link.c_str());
      }
      if (ImGui::IsItemClicked(ImGuiMouseButton_Left)) {
        SDL_OpenURL(link.c_str());
      }
      if (ImGui::IsItemClicked(ImGuiMouseButton_Right)) {
        ImGui::SetClipboardText(link.c_str());
      }
    }
    if (ImGui::BeginPopupContextItem("##msgctx")) {
      if (ImGui::MenuItem("Copy text")) {
        ImGui::SetClipboardText(l.body.c_str());
      }
      for (const auto& link : links) {
        if (ImGui::MenuItem(("Copy " + link).c_str())) {
          ImGui::SetClipboardText(link.c_str());
        }
      }
      ImGui::EndPopup();
    }
    ImGui::Spacing();
    ImGui::PopID();
  }
  // Follow the conversation while at its end.
  if (ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 4 * scale_) {
    ImGui::SetScrollHereY(1.0f);
  }
  ImGui::EndChild();
  if (cit != contacts.end() && cit->second.chat_state == "composing") {
    ImGui::TextColored(kDim, "%s is typing…", name.c_str());
  } else if (cit != contacts.end() && cit->second.chat_state == "paused") {
    ImGui::TextColored(kDim, "%s stopped typing", name.c_str());
  } else {
    ImGui::TextUnformatted("");
  }
  std::string& draft = drafts_[peer];
  const std::string before = draft;
  if (focus_chat_input_) {
    ImGui::SetKeyboardFocusHere();
    focus_chat_input_ = false;
  }
  const float send_w = ImGui::CalcTextSize("Send").x + ImGui::GetStyle().FramePadding.x * 2;
  const bool enter = ImGui::InputTextMultiline(
      "##input", &draft, ImVec2(ImGui::GetContentRegionAvail().x - send_w - 8 * scale_, input_h),
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CtrlEnterForNewLine);
  mark("chat-input");
  fonts_->note_text(draft);
  ImGui::SameLine();
  const bool button = colored_button("Send", kAccent, ImVec2(send_w, input_h));
  mark("send");
  const auto now = std::chrono::steady_clock::now();
  if (draft != before && !draft.empty()) {
    last_typed_[peer] = now;
    if (sent_state_[peer] != "composing") {
      send({{"cmd", "chatstate"}, {"to", peer}, {"state", "composing"}});
      sent_state_[peer] = "composing";
    }
  } else if (draft != before && draft.empty() && sent_state_[peer] == "composing") {
    // Everything typed was deleted: no longer composing (XEP-0085 §5.4).
    send({{"cmd", "chatstate"}, {"to", peer}, {"state", "active"}});
    sent_state_[peer] = "active";
  } else if (sent_state_[peer] == "composing" &&
             now - last_typed_[peer] > std::chrono::seconds(5)) {
    // XEP-0085 §5.3: composing -> paused after a few seconds without typing.
    send({{"cmd", "chatstate"}, {"to", peer}, {"state", "paused"}});
    sent_state_[peer] = "paused";
  }
  const bool blank = draft.find_first_not_of(" \t\r\n") == std::string::npos;
  if ((enter || button) && !blank) {
    while (!draft.empty() && (draft.back() == '\n' || draft.back() == '\r')) {
      draft.pop_back();
    }
    send({{"cmd", "message"}, {"to", peer}, {"body", draft}});
    draft.clear();
    sent_state_[peer] = "active";  // a message implies "active" (XEP-0085 §5.1)
    focus_chat_input_ = true;
  }
  ImGui::EndChild();
}

void WindowApp::draw_incoming_popup() {
  const CallView* c = model_->incoming_call();
  if (c == nullptr) {
    return;
  }
  const ImGuiIO& io = ImGui::GetIO();
  ImGui::SetNextWindowPos(ImVec2(io.DisplaySize.x / 2, io.DisplaySize.y / 3), ImGuiCond_Always,
                          ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowFocus();
  ImGui::Begin("Incoming call", nullptr,
               ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse |
                   ImGuiWindowFlags_NoSavedSettings);
  mark("incoming-popup");
  ImGui::PushFont(fonts_->large());
  text(bare_jid(c->peer));
  ImGui::PopFont();
  ImGui::TextColored(kDim, "is calling you%s", c->video ? " with video" : "");
  ImGui::Spacing();
  if (c->video) {
    if (colored_button("Accept video", kGood)) {
      send({{"cmd", "accept"}, {"sid", c->sid}});
    }
    mark("accept-video");
    ImGui::SameLine();
  }
  if (colored_button(c->video ? "Accept audio only" : "Accept", kGood)) {
    if (c->video) {
      model_->mark_accept_audio(c->sid);
    }
    send({{"cmd", "accept"}, {"sid", c->sid}});
  }
  mark("accept-audio");
  ImGui::SameLine();
  if (colored_button("Reject", kDanger)) {
    send({{"cmd", "reject"}, {"sid", c->sid}});
  }
  mark("reject");
  ImGui::End();
}

void WindowApp::draw_settings() {
  if (!show_settings_) {
    return;
  }
  ImGui::SetNextWindowSize(ImVec2(460 * scale_, 0), ImGuiCond_Appearing);
  ImGui::Begin("Settings", &show_settings_, ImGuiWindowFlags_NoSavedSettings);
  ImGui::TextColored(kAccent, "Devices");
  ImGui::TextColored(kDim, "Found by GStreamer's device monitor; plugged devices appear here.");
  struct Pick {
    const char* label;
    media::DeviceInfo::Kind kind;
    std::string* chosen;
  };
  for (const Pick& p :
       {Pick{"Microphone", media::DeviceInfo::Kind::kMicrophone, &config_.microphone},
        Pick{"Speaker", media::DeviceInfo::Kind::kSpeaker, &config_.speaker},
        Pick{"Camera", media::DeviceInfo::Kind::kCamera, &config_.camera}}) {
    const std::string shown = p.chosen->empty() ? "System default" : *p.chosen;
    ImGui::SetNextItemWidth(300 * scale_);
    if (ImGui::BeginCombo(p.label, shown.c_str())) {
      if (ImGui::Selectable("System default", p.chosen->empty())) {
        p.chosen->clear();
        (void)store::save_config(config_path_, config_);
        apply_devices();
      }
      for (const auto& d : devices_) {
        if (d.kind == p.kind && ImGui::Selectable(d.name.c_str(), *p.chosen == d.name)) {
          *p.chosen = d.name;
          (void)store::save_config(config_path_, config_);
          apply_devices();
        }
      }
      ImGui::EndCombo();
    }
  }
  ImGui::TextColored(kDim, "The choice is remembered; a call in progress keeps its devices.");
  if (!devices_note_.empty()) {
    ImGui::TextColored(kWarn, "%s", devices_note_.c_str());
  }
  ImGui::Separator();
  ImGui::TextColored(kAccent, "Display");
  float s = config_.ui_scale > 0 ? config_.ui_scale : scale_;
  ImGui::SetNextItemWidth(200 * scale_);
  if (ImGui::SliderFloat("Text size", &s, 0.75f, 3.f, "%.2fx")) {
    config_.ui_scale = s;
  }
  if (ImGui::IsItemDeactivatedAfterEdit()) {
    (void)store::save_config(config_path_, config_);
    fonts_->set_scale(s);
    ImGui::GetStyle() = ImGuiStyle();
    ImGui::StyleColorsDark();
    ImGui::GetStyle().ScaleAllSizes(s);
    scale_ = s;
  }
  ImGui::TextColored(kDim, "Fonts: %s", fonts_->describe().c_str());
  ImGui::TextColored(kDim, "Renderer: %s", renderer_name_.c_str());
  ImGui::End();
}

void WindowApp::draw_help() {
  if (!show_help_) {
    return;
  }
  ImGui::SetNextWindowSize(ImVec2(420 * scale_, 0), ImGuiCond_Appearing);
  ImGui::Begin("Keyboard shortcuts", &show_help_, ImGuiWindowFlags_NoSavedSettings);
  mark("help-panel");
  static const char* kRows[][2] = {
      {"Enter", "send the message"},
      {"Ctrl+Enter", "new line in the message"},
      {"Ctrl+M", "mute / unmute the microphone"},
      {"Ctrl+Shift+V", "camera off / on (start video in an audio call)"},
      {"Ctrl+Shift+H", "hang up"},
      {"Ctrl+Shift+A", "accept the incoming call (audio)"},
      {"Ctrl+Shift+D", "decline the incoming call"},
      {"Ctrl+Shift+S", "show / hide call statistics"},
      {"F11", "full screen"},
      {"F1", "this panel"},
  };
  if (ImGui::BeginTable("##keys", 2)) {
    for (const auto& row : kRows) {
      ImGui::TableNextColumn();
      ImGui::TextColored(kAccent, "%s", row[0]);
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row[1]);
    }
    ImGui::EndTable();
  }
  ImGui::End();
}

void WindowApp::handle_shortcuts() {
  const ImGuiIO& io = ImGui::GetIO();
  const bool ctrl = io.KeyCtrl;
  const bool shift = io.KeyShift;
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F1, false)) {
    show_help_ = !show_help_;
  }
  if (ImGui::IsKeyPressed(SDL_SCANCODE_F11, false)) {
    fullscreen_ = !fullscreen_;
    SDL_SetWindowFullscreen(window_, fullscreen_ ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
  }
  if (const CallView* in = model_->incoming_call(); in != nullptr && ctrl && shift) {
    if (ImGui::IsKeyPressed(SDL_SCANCODE_A, false)) {
      send({{"cmd", "accept"}, {"sid", in->sid}});
    } else if (ImGui::IsKeyPressed(SDL_SCANCODE_D, false)) {
      send({{"cmd", "reject"}, {"sid", in->sid}});
    }
  }
  const CallView* c = model_->current_call();
  if (c == nullptr || !ctrl) {
    return;
  }
  if (!shift && ImGui::IsKeyPressed(SDL_SCANCODE_M, false)) {
    send({{"cmd", "mute"}, {"sid", c->sid}, {"on", !c->muted}});
    model_->set_call_flag(c->sid, "mute", !c->muted);
  } else if (shift && ImGui::IsKeyPressed(SDL_SCANCODE_V, false)) {
    if (c->video) {
      send({{"cmd", "camera"}, {"sid", c->sid}, {"on", !c->camera_on}});
      model_->set_call_flag(c->sid, "camera", !c->camera_on);
    } else {
      send({{"cmd", "video"}, {"sid", c->sid}, {"on", true}});
    }
  } else if (shift && ImGui::IsKeyPressed(SDL_SCANCODE_H, false)) {
    send({{"cmd", "hangup"}, {"sid", c->sid}});
  } else if (shift && ImGui::IsKeyPressed(SDL_SCANCODE_S, false)) {
    show_stats_ = !show_stats_;
  }
}

}  // namespace jcall::app::window
