// memtally's google-benchmark header. It stands in front of the real
// <benchmark/benchmark.h> (found next on the include path) in a project
// that found memtally's `benchmark` package, and changes one thing, which
// a benchmark's source cannot see: every registration macro (BENCHMARK,
// BENCHMARK_F, ...) also records the source file that registered the
// benchmark, for its URI. Memory mode itself lives in memtally's build of
// the library, so a binary compiled without this header is measured too,
// with URIs that are the instance names alone.
#ifndef MEMTALLY_BENCHMARK_BENCHMARK_H_
#define MEMTALLY_BENCHMARK_BENCHMARK_H_

#include_next <benchmark/benchmark.h>

#include "memtally/registration.h"

#undef BENCHMARK_PRIVATE_DECLARE
#define BENCHMARK_PRIVATE_DECLARE(n)                                      \
  static ::memtally::benchmark::Registration BENCHMARK_PRIVATE_NAME(n) \
      BENCHMARK_UNUSED

#endif  // MEMTALLY_BENCHMARK_BENCHMARK_H_
