// Status and Result: how Sonance reports expected failures.
//
// A Status is either OK or carries a code (NotFound, InvalidArgument, Corrupt, IOError,
// Unsupported, Interrupted, FailedPrecondition, Internal) and a human-readable message. Result<T> holds either a
// T or a non-OK Status. Both are plain values: copyable, movable, not thread-safe to mutate
// concurrently (like any value). Exceptions are reserved for bugs and for third-party
// libraries, whose exceptions are caught at the module edge and turned into a Status.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace sonance {

enum class StatusCode {
  kOk = 0,
  kNotFound,
  kInvalidArgument,
  kCorrupt,
  kIOError,
  kUnsupported,
  kInterrupted,
  // The request is valid but the state does not allow it yet (an empty catalog, no
  // features): the message says what to run first.
  kFailedPrecondition,
  kInternal,
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status Corrupt(std::string m) { return {StatusCode::kCorrupt, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
  static Status Interrupted(std::string m) { return {StatusCode::kInterrupted, std::move(m)}; }
  static Status FailedPrecondition(std::string m) {
    return {StatusCode::kFailedPrecondition, std::move(m)};
  }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "Corrupt: no audio stream in foo.mp3"
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sonance
