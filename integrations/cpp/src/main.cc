// main() for memtally::benchmark_main, the counterpart of
// benchmark::benchmark_main, built against memtally's header.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
