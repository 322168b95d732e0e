// Exit codes of the `sonance` command (documented in docs/cli.md and `sonance --help`).
#pragma once

#include "sonance/common/status.h"

namespace sonance::cli {

enum ExitCode : int {
  kExitOk = 0,            // everything asked for was done
  kExitFailure = 1,       // the command could not do its job (see the message)
  kExitUsage = 2,         // bad command line: unknown option, missing or invalid argument
  kExitSomeFailed = 3,    // analyze finished, but some files could not be analysed
  kExitNotFound = 4,      // a file, folder or track named on the command line does not exist
  kExitCatalog = 5,       // the catalog cannot be opened or written (corrupt, newer version)
  kExitInterrupted = 130  // stopped by Ctrl-C / SIGTERM; work done so far is kept
};

// Maps a Status to the exit code a user expects for it.
inline int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kNotFound: return kExitNotFound;
    case StatusCode::kInvalidArgument: return kExitUsage;
    case StatusCode::kInterrupted: return kExitInterrupted;
    default: return kExitFailure;
  }
}

}  // namespace sonance::cli
