#include <benchmark/benchmark.h>

#include <string>
#include <vector>

static void BM_Reserve(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<int> v;
    v.reserve(250);
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_Reserve);

static void BM_Empty(benchmark::State& state) {
  for (auto _ : state) {
  }
}
BENCHMARK(BM_Empty)->Arg(1);

// An explicit iteration count: memory mode still runs the body once.
static void BM_Fixed(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<char> v(static_cast<size_t>(state.range(0)));
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_Fixed)->Arg(100)->Arg(300)->Iterations(50);

// The paused region's allocation is not counted.
static void BM_Paused(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<char> setup(4096);
    benchmark::DoNotOptimize(setup.data());
    state.ResumeTiming();
    std::vector<char> v(24);
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_Paused);

// SetUp's allocation is outside the window.
class Names : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State&) override { names.assign(64, 'x'); }
  void TearDown(const benchmark::State&) override { names.clear(); }
  std::string names;
};
BENCHMARK_F(Names, Copy)(benchmark::State& state) {
  for (auto _ : state) {
    std::string copy = names;
    benchmark::DoNotOptimize(copy.data());
  }
}
