// Headless, scriptable jcall: events as JSON lines on stdout, commands as JSON lines on stdin.
#pragma once

#include "app/options.hpp"

namespace jcall::app {

// Runs until quit, --exit-after, or a final disconnect. Returns the process exit status.
int run_headless(const Options& options);

}  // namespace jcall::app
