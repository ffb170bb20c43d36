// Force-included into google-benchmark's own sources only (never into
// hooks.cc or a benchmark's source). It gives the library's definitions of
// the entry points memory mode wraps other names, so that hooks.cc can
// define the public names, which every caller outside the library binds
// to (a binary linked against Debian's libbenchmark included), and call
// the real code by these. Calls inside the library, such as
// FinishKeepRunning's own PauseTiming, stay on the real code.
#ifndef MEMTALLY_REAL_NAMES_H_
#define MEMTALLY_REAL_NAMES_H_

#define StartKeepRunning MemtallyRealStartKeepRunning
#define FinishKeepRunning MemtallyRealFinishKeepRunning
#define PauseTiming MemtallyRealPauseTiming
#define ResumeTiming MemtallyRealResumeTiming
#define RunSpecifiedBenchmarks MemtallyRealRunSpecifiedBenchmarks
#define RegisterBenchmarkInternal MemtallyRealRegisterBenchmarkInternal

#endif  // MEMTALLY_REAL_NAMES_H_
