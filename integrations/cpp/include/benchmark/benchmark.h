// memtally's google-benchmark header. It stands in front of the real
// <benchmark/benchmark.h> (found next on the include path) when a target
// links memtally::benchmark, and changes two things, neither of which a
// benchmark's source can see:
//
//  - State's loop entry and exit, PauseTiming/ResumeTiming and
//    RunSpecifiedBenchmarks are renamed to memtally functions that wrap
//    the real ones, so that memory mode can open the measurement window
//    right before a benchmark's loop and close it right after;
//  - every registration macro (BENCHMARK, BENCHMARK_F, ...) also records
//    the source file that registered the benchmark, for its URI.
//
// Outside the memtally runner the wrappers only forward, so a benchmark
// behaves exactly as with plain google-benchmark.
#ifndef MEMTALLY_BENCHMARK_BENCHMARK_H_
#define MEMTALLY_BENCHMARK_BENCHMARK_H_

#define StartKeepRunning MemtallyStartKeepRunning
#define FinishKeepRunning MemtallyFinishKeepRunning
#define PauseTiming MemtallyPauseTiming
#define ResumeTiming MemtallyResumeTiming
#define RunSpecifiedBenchmarks MemtallyRunSpecifiedBenchmarks

#include_next <benchmark/benchmark.h>

#include "memtally/registration.h"

#undef BENCHMARK_PRIVATE_DECLARE
#define BENCHMARK_PRIVATE_DECLARE(n)                                      \
  static ::memtally::benchmark::Registration BENCHMARK_PRIVATE_NAME(n) \
      BENCHMARK_UNUSED

#endif  // MEMTALLY_BENCHMARK_BENCHMARK_H_
