// A suite with its own main() and its own display reporter, linked with
// memtally's google-benchmark: both keep working, and the reporter sees every run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <vector>

static void BM_Batch(benchmark::State& state) {
  while (state.KeepRunningBatch(10)) {
    std::vector<char> v(64);
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_Batch)->Arg(3);

static void BM_Plain(benchmark::State& state) {
  for (auto _ : state) {
  }
}
BENCHMARK(BM_Plain);

class CountingReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs)
      std::printf("reported %s\n", run.benchmark_name().c_str());
    ConsoleReporter::ReportRuns(runs);
  }
};

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  CountingReporter reporter;
  size_t n = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("ran %zu\n", n);
  return n == 2 ? 0 : 1;
}
