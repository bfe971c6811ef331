// The checker must accept linearizable histories and reject the classic violations.
#include "sim/linearizability.h"

#include <gtest/gtest.h>

namespace etcdpp::sim {
namespace {

RegisterOp put(const char* v, uint64_t call, std::optional<uint64_t> ret) {
  RegisterOp op{.kind = RegisterOp::Kind::put, .key = "k", .value = v};
  op.call_time = call;
  op.return_time = ret;
  return op;
}
RegisterOp get(std::optional<std::string> got, uint64_t call, uint64_t ret) {
  RegisterOp op{.kind = RegisterOp::Kind::get, .key = "k"};
  op.call_time = call;
  op.return_time = ret;
  op.got = std::move(got);
  return op;
}
RegisterOp cas(const char* expect, const char* v, bool ok, uint64_t call, uint64_t ret) {
  RegisterOp op{.kind = RegisterOp::Kind::cas, .key = "k", .value = v, .expect = expect};
  op.call_time = call;
  op.return_time = ret;
  op.cas_succeeded = ok;
  return op;
}

TEST(Linearizability, SequentialHistoryPasses) {
  EXPECT_TRUE(check_linearizable(
                  {put("a", 1, 2), get("a", 3, 4), cas("a", "b", true, 5, 6), get("b", 7, 8)})
                  .linearizable);
}

TEST(Linearizability, StaleReadAfterWriteReturnedFails) {
  // The put returned before the get was called, yet the get saw the old (absent) value.
  auto r = check_linearizable({put("a", 1, 2), get(std::nullopt, 3, 4)});
  EXPECT_FALSE(r.linearizable);
  EXPECT_EQ(r.key, "k");
}

TEST(Linearizability, ConcurrentReadMaySeeEitherValue) {
  EXPECT_TRUE(check_linearizable({put("a", 1, 10), get(std::nullopt, 2, 3)}).linearizable);
  EXPECT_TRUE(check_linearizable({put("a", 1, 10), get("a", 2, 3)}).linearizable);
}

TEST(Linearizability, TwoSuccessfulCasFromSameValueFail) {
  EXPECT_FALSE(
      check_linearizable({put("a", 1, 2), cas("a", "b", true, 3, 6), cas("a", "c", true, 4, 7)})
          .linearizable);
}

TEST(Linearizability, TimedOutWriteMayOrMayNotHaveHappened) {
  EXPECT_TRUE(
      check_linearizable({put("a", 1, std::nullopt), get(std::nullopt, 5, 6)}).linearizable);
  EXPECT_TRUE(check_linearizable({put("a", 1, std::nullopt), get("a", 5, 6)}).linearizable);
  // ...but not both in that order: once seen, a value cannot disappear.
  EXPECT_FALSE(
      check_linearizable({put("a", 1, std::nullopt), get("a", 5, 6), get(std::nullopt, 7, 8)})
          .linearizable);
}

TEST(Linearizability, ReadsMustNotGoBackInTime) {
  EXPECT_FALSE(check_linearizable({put("a", 1, 2), put("b", 3, 20), get("b", 4, 5), get("a", 6, 7)})
                   .linearizable);
}

}  // namespace
}  // namespace etcdpp::sim
