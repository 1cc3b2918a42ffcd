// Headless mode: the session's events printed on stdout, commands read from stdin.
#include "app/headless.hpp"

#include <iostream>

#include "app/session.hpp"
#include "app/stdin_reader.hpp"

namespace jcall::app {

int run_headless(const Options& options) {
  Session::Hooks hooks;
  hooks.event = [json_out = options.json](const Session::json& j) {
    const std::string text = j.dump(-1, ' ', false, Session::json::error_handler_t::replace);
    if (json_out) {
      std::cout << text << std::endl;
    } else {
      std::cout << j.value("event", "") << ": " << text << std::endl;
    }
  };
  Session session(options, std::move(hooks));
  StdinReader stdin_reader([&session](std::string line) { session.post_command(std::move(line)); });
  return session.run();
}

}  // namespace jcall::app
