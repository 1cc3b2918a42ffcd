// The jcall program: for now the headless, scriptable client (the window comes later).
#include <iostream>

#include "app/headless.hpp"
#include "app/options.hpp"

int main(int argc, char** argv) {
  auto options = jcall::app::parse_options(argc, argv);
  if (!options) {
    if (!options.error().message.empty()) {
      std::cerr << "jcall: " << options.error().message << "\n\n";
    }
    std::cerr << jcall::app::usage();
    return 2;
  }
  return jcall::app::run_headless(*options);
}
