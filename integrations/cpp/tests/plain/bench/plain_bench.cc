#include <benchmark/benchmark.h>

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
