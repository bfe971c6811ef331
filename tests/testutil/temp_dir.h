#pragma once
// A fresh, empty directory per test, removed afterwards.
#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <string>

namespace etcdpp::testutil {

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("etcdpp-test-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
};

}  // namespace etcdpp::testutil
