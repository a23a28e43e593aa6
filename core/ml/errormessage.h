#pragma once

#include <QString>

#include <exception>

namespace accession {

// Longest message a job reports: a runaway exception text must not flood a terminal or a widget.
constexpr int kMaximumErrorMessageLength = 2000;

// Any exception as one line for a person: LibTorch's without its C++ backtrace, the lines of a multi-line
// message joined, bad_alloc as "out of memory", and something that is not a std::exception as "unknown error".
QString oneLineErrorMessage(const std::exception_ptr &error);

} // namespace accession
