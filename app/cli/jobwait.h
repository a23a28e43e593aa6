#pragma once

#include <memory>

namespace accession {
class Job;
}

namespace accession::cli {

// Runs the job on a worker thread and waits; Ctrl+C cancels it at its next checkpoint. Progress goes to
// stderr when that is a terminal. Returns true when the job finished; failure throws CliError.
bool runJobInBackground(Job &job, bool showProgress);

} // namespace accession::cli
