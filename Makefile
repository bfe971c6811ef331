# etcdpp: `make run` starts the demo, `make test` runs every test. Both install what they need.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)

.PHONY: all deps build build-asan test unit run bench clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DETCDPP_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Every test twice: first against the AddressSanitizer/UBSan build, then against the optimised
# build (unit + integration with real etcd 3.4 clusters); the run ends with ctest's summary.
test: build build-asan
	ctest --test-dir $(ASAN_BUILD) --output-on-failure
	ctest --test-dir $(BUILD) --output-on-failure

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure -j $(JOBS)

run: build
	./scripts/demo.sh $(BUILD)/src/cmd/etcdpp

bench: build
	./bench/proxy_bench.sh $(BUILD)/src/cmd/etcdpp

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
