// SPDX-License-Identifier: MIT
#include "localrank/status.h"

namespace localrank {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidItem: return "INVALID_ITEM";
    case Code::kDuplicateId: return "DUPLICATE_ID";
    case Code::kDimensionMismatch: return "DIMENSION_MISMATCH";
    case Code::kLimitExceeded: return "LIMIT_EXCEEDED";
    case Code::kCorruptProfile: return "CORRUPT_PROFILE";
    case Code::kNotConsented: return "NOT_CONSENTED";
    case Code::kBudgetExhausted: return "BUDGET_EXHAUSTED";
    case Code::kInvalidEvent: return "INVALID_EVENT";
    case Code::kInvalidArgument: return "INVALID_ARGUMENT";
    case Code::kInvalidReport: return "INVALID_REPORT";
    case Code::kDisposed: return "DISPOSED";
  }
  return "UNKNOWN";
}

}  // namespace localrank
