#pragma once
// Seeded randomness, passed in through constructors so that every shuffle can be replayed.
#include <cstdint>
#include <random>

namespace etcdpp::base {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  // Uniform integer in [0, bound). Precondition: bound > 0.
  uint64_t below(uint64_t bound) {
    return std::uniform_int_distribution<uint64_t>(0, bound - 1)(engine_);
  }
  uint64_t next() { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace etcdpp::base
