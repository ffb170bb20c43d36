// A second file that reuses a benchmark name of bench_test.cpp: each keeps
// its own URI.
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>

static void BM_Reserve(benchmark::State& state) {
  for (auto _ : state) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    const char* path = std::getenv("MEMTALLY_TEST_LOG");
    if (FILE* f = std::fopen(path ? path : "/dev/null", "a")) {
      std::fprintf(f, "body other:BM_Reserve %lld\n",
                   static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
      std::fclose(f);
    }
  }
}
BENCHMARK(BM_Reserve);
