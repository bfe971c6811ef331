# etcdpp: `make run` starts the demo, `make test` runs every test. Both install what they need.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)

.PHONY: all deps build build-asan build-fuzz build-tsan test unit fuzz run bench bench-member bench-cluster bench-tls bench-auth clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DETCDPP_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# ThreadSanitizer build of the threaded parts: the member (event loop, log thread, and the
# password checker thread of v2 auth).
build-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DETCDPP_TSAN=ON
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target etcdpp etcdppctl unit_tests

# libFuzzer targets, built with clang (fuzz/).
build-fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DETCDPP_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# The fuzz targets for a bounded time each (ETCDPP_FUZZ_SECONDS, 20 by default), the threaded
# parts under ThreadSanitizer, then every test twice: first against the AddressSanitizer/UBSan
# build, then against the optimised build (unit + integration with real etcd 3.4 processes);
# the run ends with ctest's summary. The optimised run takes two tests at a time (2 instead of
# 3.5 minutes on two cores; the slower sanitizer run stays one at a time). The Raft simulations
# run as many seeds as fit in ETCDPP_SIM_SECONDS per test (a few under ASan, thousands in all
# in the optimised build).
test: build build-asan build-fuzz build-tsan
	ctest --test-dir $(FUZZ_BUILD) --output-on-failure -j $(JOBS)
	ctest --test-dir $(TSAN_BUILD) --output-on-failure -R '^(LogThreadTest|MemberTest|integration\.test_member$$|integration\.test_cluster$$|integration\.test_auth$$)'

	ETCDPP_SIM_SECONDS=4 ctest --test-dir $(ASAN_BUILD) --output-on-failure
	ETCDPP_SIM_SECONDS=20 ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

fuzz: build-fuzz
	ctest --test-dir $(FUZZ_BUILD) --output-on-failure -j $(JOBS)

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

run: build
	./scripts/demo.sh $(BUILD)/src/cmd/etcdpp

bench: build
	./bench/proxy_bench.sh $(BUILD)/src/cmd/etcdpp

bench-member: build
	/usr/bin/python3 bench/member_bench.py --etcdpp $(BUILD)/src/cmd/etcdpp

bench-cluster: build
	/usr/bin/python3 bench/cluster_bench.py --etcdpp $(BUILD)/src/cmd/etcdpp

bench-tls: build
	/usr/bin/python3 bench/tls_watchers.py --etcdpp $(BUILD)/src/cmd/etcdpp

bench-auth: build
	/usr/bin/python3 bench/auth_bench.py --etcdpp $(BUILD)/src/cmd/etcdpp

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(TSAN_BUILD)
