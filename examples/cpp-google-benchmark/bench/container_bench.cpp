// Benchmarks whose allocations are known exactly, and a fixture.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "textstats.h"

// One allocation of 250 * sizeof(int) = 1000 bytes.
static void BM_VectorReserve(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<int> v;
    v.reserve(250);
    if (v.capacity() != 250) state.SkipWithError("wrong capacity");
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_VectorReserve);

// No allocation at all: the harness adds nothing to a window.
static void BM_Empty(benchmark::State& state) {
  for (auto _ : state) {
  }
}
BENCHMARK(BM_Empty);

// The corpus is built in SetUp and freed in TearDown, both outside the
// window: only Frequencies' own allocations are measured.
class Corpus : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State&) override {
    words_ = textstats::Words("to be or not to be that is the question");
  }
  void TearDown(const benchmark::State&) override { words_.clear(); }

 protected:
  std::vector<std::string> words_;
};

BENCHMARK_F(Corpus, Frequencies)(benchmark::State& state) {
  for (auto _ : state) {
    auto counts = textstats::Frequencies(words_);
    if (counts.size() != 8 || counts["to"] != 2)
      state.SkipWithError("wrong frequencies");
    benchmark::DoNotOptimize(counts);
  }
}
