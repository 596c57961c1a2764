// Result<T>: a value, or a negative errno plus one sentence saying what went
// wrong and what to do. Used by the setup paths of the xsk layer (factories,
// netlink queries, map updates); the hot path returns plain counts or -errno
// and never builds a message.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace xtcp::xsk {

struct Error {
  int code = -EINVAL;   // negative errno
  std::string message;  // one sentence: what was wrong, what to do
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Error e) : v_(std::move(e)) {}      // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Only valid when !ok().
  int code() const { return std::get<1>(v_).code; }
  const std::string& message() const { return std::get<1>(v_).message; }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result of an operation without a value: ok, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : err_(std::move(e)), failed_(true) {}  // NOLINT
  static Status success() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  int code() const { return failed_ ? err_.code : 0; }
  const std::string& message() const { return err_.message; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool failed_ = false;
};

// Builds an Error from a negative (or positive) errno and a sentence; the
// strerror text is appended so the cause is visible without a lookup.
Error make_error(int err, std::string sentence);

}  // namespace xtcp::xsk
