// Benchmarks of the string side of textstats. Each checks its result and
// reports a wrong one with SkipWithError, so a run doubles as a test.
#include <benchmark/benchmark.h>

#include <string>

#include "textstats.h"

static std::string Sentence(int words) {
  std::string text;
  for (int i = 0; i < words; i++) text += (i % 3 ? "lorem " : "ipsum ");
  return text;
}

// The text is built before the loop, outside the measured window.
static void BM_Words(benchmark::State& state) {
  const std::string text = Sentence(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto words = textstats::Words(text);
    if (words.size() != static_cast<size_t>(state.range(0)))
      state.SkipWithError("wrong word count");
    benchmark::DoNotOptimize(words.data());
  }
}
BENCHMARK(BM_Words)->Range(8, 512);

static void BM_Join(benchmark::State& state) {
  const auto words = textstats::Words(Sentence(64));
  for (auto _ : state) {
    std::string joined = textstats::Join(words);
    if (joined.size() != 64 * 6 - 1) state.SkipWithError("wrong length");
    benchmark::DoNotOptimize(joined.data());
  }
}
BENCHMARK(BM_Join);
