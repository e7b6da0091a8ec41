// RETURN_IF_ERROR and ASSIGN_OR_RETURN, defined once for the whole project.
//
// Debian's abseil (20220623) ships no status macros. Use them at every fallible
// boundary instead of hand-written `if (!s.ok()) return s;` chains:
//
//   absl::StatusOr<Plan> MakePlan(const Input& in) {
//     RETURN_IF_ERROR(Validate(in));
//     ASSIGN_OR_RETURN(const Inventory inv, ReadInventory(in));
//     return Plan{inv};
//   }
#ifndef FERRY_BASE_STATUS_MACROS_H_
#define FERRY_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FERRY_INTERNAL_CONCAT_INNER(a, b) a##b
#define FERRY_INTERNAL_CONCAT(a, b) FERRY_INTERNAL_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the caller if not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::absl::Status ferry_internal_status = (expr);             \
    if (!ferry_internal_status.ok()) return ferry_internal_status; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from the
// caller, otherwise moves the value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr)                                        \
  FERRY_INTERNAL_ASSIGN_OR_RETURN(                                          \
      FERRY_INTERNAL_CONCAT(ferry_internal_statusor_, __LINE__), lhs, rexpr)

#define FERRY_INTERNAL_ASSIGN_OR_RETURN(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                    \
  if (!statusor.ok()) return std::move(statusor).status();    \
  lhs = std::move(statusor).value()

#endif  // FERRY_BASE_STATUS_MACROS_H_
