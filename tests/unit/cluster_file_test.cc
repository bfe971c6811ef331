#include "proxy/cluster_file.h"

#include <gtest/gtest.h>

#include "testutil/temp_dir.h"

#include <sys/stat.h>
#include <fstream>

namespace etcdpp::proxy {
namespace {

class ClusterFileTest : public testutil::TempDirTest {
 protected:
  void write(const std::string& text) { std::ofstream(dir / "cluster") << text; }
};

TEST_F(ClusterFileTest, MissingFile) {
  auto r = read_cluster_file(dir);
  EXPECT_FALSE(r.exists);
  EXPECT_TRUE(r.error.empty());
}

TEST_F(ClusterFileTest, RoundTripExactBytes) {
  ASSERT_EQ(write_cluster_file(dir, {"http://127.0.0.1:2380", "http://127.0.0.1:2381"}), "");
  std::ifstream in(dir / "cluster");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, R"({"PeerURLs":["http://127.0.0.1:2380","http://127.0.0.1:2381"]})");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "cluster").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir / "cluster.bak"));
  auto r = read_cluster_file(dir);
  EXPECT_EQ(r.peer_urls.size(), 2u);
}

TEST_F(ClusterFileTest, KeyIsCaseInsensitiveAndUnknownKeysIgnored) {
  write(R"({"peerurls":["http://a:1"],"other":1})");
  auto r = read_cluster_file(dir);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.peer_urls, std::vector<std::string>{"http://a:1"});
}

TEST_F(ClusterFileTest, CorruptFileIsAnError) {
  write("{not json");
  auto r = read_cluster_file(dir);
  EXPECT_TRUE(r.exists);
  EXPECT_NE(r.error.find("cannot parse"), std::string::npos);
  EXPECT_NE(r.error.find("cluster"), std::string::npos);
}

}  // namespace
}  // namespace etcdpp::proxy
