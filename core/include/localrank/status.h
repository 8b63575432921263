// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace localrank {

/// Stable error codes. Their string forms (see CodeName) are part of the public
/// JavaScript API as `LocalrankError.code`; never renumber or rename them.
enum class Code {
  kOk = 0,
  kInvalidItem,
  kDuplicateId,
  kDimensionMismatch,
  kLimitExceeded,
  kCorruptProfile,
  kNotConsented,
  kBudgetExhausted,
  kInvalidEvent,
  kInvalidArgument,
  kInvalidReport,
  kDisposed,
};

/// "INVALID_ITEM", "DUPLICATE_ID", ... ("OK" for kOk).
const char* CodeName(Code code);

/// The result of an operation that may fail. No exception ever leaves the core:
/// every fallible call returns a Status naming the offending field and index.
class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(Code code, std::string field, int index, std::string message) {
    Status s;
    s.code_ = code;
    s.field_ = std::move(field);
    s.index_ = index;
    s.message_ = std::move(message);
    return s;
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  /// Dotted path of the offending input, e.g. "items[3].serverScore".
  const std::string& field() const { return field_; }
  /// Index of the offending element in its batch, or -1.
  int index() const { return index_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string field_;
  int index_ = -1;
  std::string message_;
};

}  // namespace localrank
