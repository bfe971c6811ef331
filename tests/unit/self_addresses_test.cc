#include "proxy/self_addresses.h"

#include <gtest/gtest.h>

namespace etcdpp::proxy {
namespace {

http::Url url(const std::string& s) {
  std::string error;
  return *http::parse_url(s, error);
}

TEST(SelfAddressesTest, ExactAndLocalhostAliases) {
  SelfAddresses self({url("http://127.0.0.1:2379")}, {});
  EXPECT_TRUE(self.matches(url("http://127.0.0.1:2379")));
  EXPECT_TRUE(self.matches(url("http://localhost:2379")));
  EXPECT_FALSE(self.matches(url("http://127.0.0.1:2380")));
  EXPECT_FALSE(self.matches(url("http://10.0.0.1:2379")));
}

TEST(SelfAddressesTest, WildcardListenerMatchesLocalAddresses) {
  auto local = boost::asio::ip::make_address("192.0.2.7");
  SelfAddresses self({url("http://0.0.0.0:2379")}, {local});
  EXPECT_TRUE(self.matches(url("http://192.0.2.7:2379")));
  EXPECT_TRUE(self.matches(url("http://127.0.0.5:2379")));
  EXPECT_TRUE(self.matches(url("http://localhost:2379")));
  EXPECT_FALSE(self.matches(url("http://192.0.2.8:2379")));
  EXPECT_FALSE(self.matches(url("http://192.0.2.7:2380")));
}

TEST(SelfAddressesTest, NamesAreNotResolved) {
  SelfAddresses self({url("http://127.0.0.1:2379")}, {});
  EXPECT_FALSE(self.matches(url("http://proxy.example:2379")));
}

}  // namespace
}  // namespace etcdpp::proxy
