// Google Benchmark: the store's operations and the WAL's append + fsync, to size the member's
// group commit. Figures only (bench/ is never a pass/fail test).
#include "server/durable_store.h"
#include "snap/snapshot.h"
#include "store/store.h"
#include "wal/wal.h"

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <filesystem>

namespace {

using namespace etcdpp;

void BM_StoreSet(benchmark::State& state) {
  store::Store s;
  uint64_t i = 0;
  for (auto _ : state) {
    auto r = s.set("/bench/k" + std::to_string(i++ % 100'000), false, "value", std::nullopt);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreSet);

void BM_StoreGet(benchmark::State& state) {
  store::Store s;
  for (int i = 0; i < 10'000; ++i) {
    (void)s.set("/bench/k" + std::to_string(i), false, "value", std::nullopt);
  }
  uint64_t i = 0;
  for (auto _ : state) {
    auto r = s.get("/bench/k" + std::to_string(i++ % 10'000), false);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreGet);

// One fsync per `batch` appended entries: the cost a write pays for durability at a given
// group-commit batch size.
void BM_WalAppendSync(benchmark::State& state) {
  auto dir =
      std::filesystem::temp_directory_path() / ("etcdpp-bench-wal-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::vector<wal::Record> replayed;
  std::string error;
  auto w = wal::Wal::open(dir, {}, replayed, error);
  const auto batch = static_cast<int>(state.range(0));
  wal::Record rec{1, std::string(120, 'x')};
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) (void)w->append(rec);
    (void)w->sync();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  w.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_WalAppendSync)->Arg(1)->Arg(8)->Arg(64)->UseRealTime();

// `count` keys shaped like member_bench.py's load: /load/t<n % 16>/k<n>, 16-byte values.
void load_keys(server::ServerState& st, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    (void)st.store.set("/load/t" + std::to_string(i % 16) + "/k" + std::to_string(i), false,
                       "0123456789abcdef", std::nullopt);
  }
}

// A member's snapshot, encoded on its event loop straight from the store (member.cc,
// maybe_snapshot): the pause one snapshot puts into request handling, at `range(0)` keys.
void BM_SnapshotEncode(benchmark::State& state) {
  server::ServerState st;
  load_keys(st, state.range(0));
  size_t bytes = 0;
  for (auto _ : state) {
    auto encoded = server::encode_snapshot(st, 2, st.store.index());
    bytes = encoded.bytes.size();
    benchmark::DoNotOptimize(encoded);
  }
  state.counters["snapshot_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_SnapshotEncode)->Arg(100'000)->Unit(benchmark::kMillisecond);

// The copy of the keyspace that encode() starts from (what the event loop did before
// snapshots were encoded there; followers still get a snapshot this way).
void BM_SnapshotCopy(benchmark::State& state) {
  server::ServerState st;
  load_keys(st, state.range(0));
  for (auto _ : state) {
    auto copy = server::make_snapshot(st, 2, st.store.index());
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_SnapshotCopy)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
