// Memory mode for google-benchmark, compiled into memtally's build of the
// library itself. google-benchmark's own sources are compiled with
// real_names.h, which renames the entry points this file wraps; this file
// sees the real <benchmark/benchmark.h> and defines the public names, so
// every caller outside the library, a binary built against Debian's
// libbenchmark included, reaches these wrappers.
//
// Under the runner, RunSpecifiedBenchmarks first lists the instances it is
// about to run (the names become URIs), forces every instance to one
// iteration and no time-based warm-up, then runs them with a display
// reporter that tells this file when each instance is done. Each instance
// runs MEMTALLY_WARMUP + 1 repetitions (1 + 1 when the runner does not say):
// the warm-up calls, outside any window, then the measured one, whose window
// opens when its loop starts, after the real StartKeepRunning (barrier,
// timers), and closes when the loop ends, before the real
// FinishKeepRunning. Reporters see the measured repetition only.
// PauseTiming pauses the window and ResumeTiming resumes it, so a paused
// region stays out of the numbers and the instance one record.
// Fixture SetUp/TearDown and everything the library does around the loop
// stay outside.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "../include/memtally/registration.h"
#include "measured_reporter.h"
#include "memtally.h"

#ifndef MEMTALLY_BENCHMARK_VERSION
#define MEMTALLY_BENCHMARK_VERSION "0.1.0"
#endif

namespace benchmark {
// Defined by google-benchmark, but not declared in its header.
extern bool FLAGS_benchmark_list_tests;
extern std::string FLAGS_benchmark_out;
extern std::string FLAGS_benchmark_out_format;
}  // namespace benchmark

// google-benchmark's own warm-up (MinWarmUpTime, --benchmark_min_warmup_time,
// off by default) is a time, spent in rounds of 1, 10, 100... iterations
// until one round lasts that long. Under the runner it is replaced by
// MEMTALLY_WARMUP calls: the calls are repetitions, whose number is fixed
// before the instance runs, and a time gives no number of calls until they
// have run.

using benchmark::BenchmarkReporter;
using benchmark::State;
using benchmark::internal::Benchmark;
using memtally::benchmark::Measured;

// State's members as real_names.h renamed them in the library's sources.
// This file's State declares them by their public names, so they are
// reached by symbol: non-virtual members taking only `this`, which the
// Itanium C++ ABI passes like a first pointer argument.
void RealStartKeepRunning(State*) __asm__("_ZN9benchmark5State28MemtallyRealStartKeepRunningEv");
void RealFinishKeepRunning(State*) __asm__("_ZN9benchmark5State29MemtallyRealFinishKeepRunningEv");
void RealPauseTiming(State*) __asm__("_ZN9benchmark5State23MemtallyRealPauseTimingEv");
void RealResumeTiming(State*) __asm__("_ZN9benchmark5State24MemtallyRealResumeTimingEv");

// The free functions as real_names.h renamed them: same signatures, so
// ordinary declarations name the same symbols.
namespace benchmark {
size_t MemtallyRealRunSpecifiedBenchmarks(BenchmarkReporter* display,
                                          BenchmarkReporter* file);
size_t MemtallyRealRunSpecifiedBenchmarks(BenchmarkReporter* display,
                                          BenchmarkReporter* file,
                                          std::string spec);
namespace internal {
Benchmark* MemtallyRealRegisterBenchmarkInternal(Benchmark* family);
}  // namespace internal
}  // namespace benchmark

namespace {

// Private members of Benchmark, reached through explicit instantiation,
// which the language exempts from access checks. A google-benchmark whose
// members differ fails to compile here instead of misbehaving.
template <typename Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type get(Tag) { return Member; }
};
#define MEMTALLY_EXPOSE(tag, type_, member)                 \
  struct tag {                                               \
    typedef type_ Benchmark::*type;                          \
    friend type get(tag);                                    \
  };                                                         \
  template struct Expose<tag, &Benchmark::member>
MEMTALLY_EXPOSE(FamilyName, std::string, name_);
MEMTALLY_EXPOSE(FamilyIterations, benchmark::IterationCount, iterations_);
MEMTALLY_EXPOSE(FamilyMinTime, double, min_time_);
MEMTALLY_EXPOSE(FamilyMinWarmUpTime, double, min_warmup_time_);
MEMTALLY_EXPOSE(FamilyRepetitions, int, repetitions_);
MEMTALLY_EXPOSE(FamilyArgs, std::vector<std::vector<int64_t> >, args_);
MEMTALLY_EXPOSE(FamilyThreads, std::vector<int>, thread_counts_);
MEMTALLY_EXPOSE(FamilyAggregation, benchmark::internal::AggregationReportMode,
                aggregation_report_mode_);
#undef MEMTALLY_EXPOSE

// Every registered family, in registration order; `file` is known when
// the registering source was compiled with memtally's header.
struct Family {
  Benchmark* benchmark;
  std::string file;
};

std::vector<Family>& families() {
  static std::vector<Family> all;
  return all;
}

// Guards families(): google-benchmark allows registering from any thread.
std::mutex& families_mu() {
  static std::mutex mu;
  return mu;
}

// Session state. Everything is built before the first window; the hooks
// only index into it, so nothing here allocates inside a window.
struct Session {
  // Read by the hooks without the lock: outside the runner they cost one
  // relaxed load.
  std::atomic<bool> active{false};
  std::vector<std::string> uris;  // one per instance, in run order
  uint32_t warmup = 0;            // warm-up calls of each instance
  size_t current = 0;             // instance whose loop runs next
  uint32_t calls = 0;             // its calls begun so far
  bool current_measured = false;  // its window was opened already
  int entered = 0;                // threads of the instance that began the loop
  int finished = 0;               // ... and that ended it
  bool window = false;            // a window is open
  bool paused = false;            // the window is paused by PauseTiming
  std::mutex mu;
};

Session& session() {
  static Session s;
  return s;
}

void open_window(Session& s) {
  const std::string& uri = s.uris[s.current];
  s.window = memtally_start_after_warmup_n(uri.data(), uri.size(), s.warmup) ==
             MEMTALLY_OK;
  if (!memtally_active()) s.active = false;
}

void close_window(Session& s) {
  if (!s.window) return;
  s.window = false;
  memtally_stop();
  if (!memtally_active()) s.active = false;
}

// The display reporter's Measured, which also moves the session to the next
// instance once an instance has reported.
class Tracker : public Measured {
 public:
  explicit Tracker(BenchmarkReporter* inner) : Measured(inner) {}

 protected:
  void Reported(const std::vector<Run>& runs) override {
    Session& s = session();
    std::lock_guard<std::mutex> lock(s.mu);
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration) continue;
      s.current++;
      s.calls = 0;
      s.current_measured = false;
    }
  }
};

// Receives the instance names of a --benchmark_list_tests pass.
class ListReporter : public BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return false; }
  void ReportRuns(const std::vector<Run>&) override {}
};

// Sets google-benchmark flags through its public parser. Initialize also
// records argv[0] as the program name that reports print, so the real one
// is put back.
void set_flags(std::vector<std::string> flags) {
  const char* program = BenchmarkReporter::Context::executable_name;
  std::vector<char*> argv;
  std::string argv0 = program ? program : "";
  argv.push_back(&argv0[0]);
  for (std::string& f : flags) argv.push_back(&f[0]);
  argv.push_back(nullptr);
  int argc = static_cast<int>(argv.size()) - 1;
  benchmark::Initialize(&argc, argv.data());
  BenchmarkReporter::Context::executable_name = program;
}

size_t run(BenchmarkReporter* display, BenchmarkReporter* file,
           const std::string* spec) {
  if (spec)
    return benchmark::MemtallyRealRunSpecifiedBenchmarks(display, file, *spec);
  return benchmark::MemtallyRealRunSpecifiedBenchmarks(display, file);
}

// How many instances a family can have: one per argument set and thread
// count (fewer when --benchmark_filter drops some).
size_t max_instances(Benchmark* b) {
  size_t args = (b->*get(FamilyArgs())).size();
  size_t threads = (b->*get(FamilyThreads())).size();
  return (args ? args : 1) * (threads ? threads : 1);
}

// The family whose instance this is: the first family, from `from` on,
// that has instances left and whose name is the instance name or a prefix
// of it followed by '/'. Families are listed in registration order, so
// families of the same name in different files keep their own files.
size_t family_of(const std::string& instance, size_t from,
                 std::vector<size_t>& used) {
  std::vector<Family>& all = families();
  for (size_t i = from; i < all.size(); i++) {
    const std::string& name = all[i].benchmark->*get(FamilyName());
    if (instance.compare(0, name.size(), name) == 0 &&
        (instance.size() == name.size() || instance[name.size()] == '/') &&
        used[i] < max_instances(all[i].benchmark))
      return i;
  }
  return all.size();
}

// Prepares memory mode; false leaves the run to plain google-benchmark.
bool prepare(BenchmarkReporter* file, const std::string* spec) {
  // --benchmark_list_tests runs nothing: there is nothing to measure.
  if (benchmark::FLAGS_benchmark_list_tests) return false;
  int connected = memtally_init("memtally-google-benchmark", MEMTALLY_BENCHMARK_VERSION);
  // The runner's FIFOs are named but unusable (memtally_init said why):
  // running the benchmarks unmeasured would change what the run means.
  if (connected < 0) std::exit(1);
  if (connected == 0) return false;
  // Likewise a warm-up request that is not a number (it said why).
  long long warmup = memtally_warmup_calls();
  if (warmup < 0) std::exit(1);
  Session& s = session();
  s.uris.clear();
  s.warmup = static_cast<uint32_t>(warmup);
  s.current = 0;
  s.calls = 0;
  s.current_measured = false;

  // The names, as google-benchmark prints them, before memory mode
  // changes any setting that shows in a name.
  std::ostringstream names, errors;
  ListReporter list;
  list.SetOutputStream(&names);
  list.SetErrorStream(&errors);
  set_flags({"--benchmark_list_tests=true"});
  run(&list, file, spec);
  set_flags({"--benchmark_list_tests=false"});
  std::lock_guard<std::mutex> families_lock(families_mu());
  std::istringstream in(names.str());
  size_t fam = 0;
  std::vector<size_t> used(families().size(), 0);
  for (std::string name; std::getline(in, name);) {
    if (name.empty()) continue;
    size_t found = family_of(name, fam, used);
    if (found < families().size()) {
      fam = found;
      used[fam]++;
      const std::string& source = families()[fam].file;
      s.uris.push_back(source.empty() ? name : source + "::" + name);
    } else {
      // No family left of that name: the name alone.
      s.uris.push_back(name);
    }
  }

  // Runs of one iteration per instance, in listed order: the warm-up calls,
  // then the measured one.
  const int repetitions = static_cast<int>(
      std::min<long long>(warmup + 1, std::numeric_limits<int>::max()));
  set_flags({"--benchmark_min_time=0", "--benchmark_min_warmup_time=0",
             "--benchmark_repetitions=" + std::to_string(repetitions),
             "--benchmark_enable_random_interleaving=false",
             "--benchmark_report_aggregates_only=false",
             "--benchmark_display_aggregates_only=false"});
  s.warmup = static_cast<uint32_t>(repetitions - 1);
  for (Family& f : families()) {
    Benchmark* b = f.benchmark;
    if (b->*get(FamilyIterations()) != 0) b->*get(FamilyIterations()) = 1;
    if (b->*get(FamilyRepetitions()) != 0)
      b->*get(FamilyRepetitions()) = repetitions;
    b->*get(FamilyMinTime()) = 0;
    b->*get(FamilyMinWarmUpTime()) = 0;
    b->*get(FamilyAggregation()) = benchmark::internal::ARM_Unspecified;
  }
  // A memory manager's extra run would run each body again.
  benchmark::RegisterMemoryManager(nullptr);
  s.active = true;
  return true;
}

size_t run_specified(BenchmarkReporter* display, BenchmarkReporter* file,
                     const std::string* spec) {
  if (!prepare(file, spec)) return run(display, file, spec);
  std::unique_ptr<BenchmarkReporter> fallback;
  if (!display) {
    fallback.reset(benchmark::CreateDefaultDisplayReporter());
    display = fallback.get();
  }
  Tracker tracker(display);
  // --benchmark_out without a file reporter of the caller's: the reporter
  // google-benchmark would make for it, made here so that it is filtered
  // too (its CreateReporter, for a file: no colour, no tabular output).
  std::unique_ptr<BenchmarkReporter> default_file;
  if (!file && !benchmark::FLAGS_benchmark_out.empty()) {
    const std::string& format = benchmark::FLAGS_benchmark_out_format;
    if (format == "json")
      default_file.reset(new benchmark::JSONReporter);
    else if (format == "csv")
      default_file.reset(new benchmark::CSVReporter);
    else if (format == "console")
      default_file.reset(new benchmark::ConsoleReporter(benchmark::ConsoleReporter::OO_None));
    // Another format is left to google-benchmark, which refuses it.
    file = default_file.get();
  }
  std::unique_ptr<Measured> file_measured;
  if (file) file_measured.reset(new Measured(file));
  size_t n = run(&tracker, file_measured.get(), spec);
  Session& s = session();
  bool connected = s.active.exchange(false);
  if (connected && s.current != s.uris.size())
    std::fprintf(stderr,
                 "memtally: %zu benchmark instances listed, %zu reported\n",
                 s.uris.size(), s.current);
  return n;
}

}  // namespace

void State::StartKeepRunning() {
  RealStartKeepRunning(this);
  Session& s = session();
  if (!s.active.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(s.mu);
  // The window opens with the first thread of an instance and closes when
  // all of its threads (State::threads()) have left the loop.
  if (s.entered++ == 0) {
    s.finished = 0;
    // The calls before the last repetition's are the warm-up.
    if (s.calls++ == s.warmup && !s.current_measured &&
        s.current < s.uris.size()) {
      s.current_measured = true;
      open_window(s);
    }
  }
}

void State::FinishKeepRunning() {
  Session& s = session();
  if (s.active.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (++s.finished >= threads()) {
      close_window(s);
      s.entered = 0;
      s.paused = false;
    }
  }
  RealFinishKeepRunning(this);
}

void State::PauseTiming() {
  Session& s = session();
  if (s.active.load(std::memory_order_relaxed)) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.window && !s.paused) {
      s.paused = memtally_pause() == MEMTALLY_OK;
      if (!memtally_active()) s.active = false;
    }
  }
  RealPauseTiming(this);
}

void State::ResumeTiming() {
  RealResumeTiming(this);
  Session& s = session();
  if (!s.active.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.window && s.paused && s.entered > s.finished) {
    s.paused = false;
    memtally_resume();
    if (!memtally_active()) s.active = false;
  }
}

namespace benchmark {

size_t RunSpecifiedBenchmarks() {
  return run_specified(nullptr, nullptr, nullptr);
}
size_t RunSpecifiedBenchmarks(std::string spec) {
  return run_specified(nullptr, nullptr, &spec);
}
size_t RunSpecifiedBenchmarks(BenchmarkReporter* display) {
  return run_specified(display, nullptr, nullptr);
}
size_t RunSpecifiedBenchmarks(BenchmarkReporter* display, std::string spec) {
  return run_specified(display, nullptr, &spec);
}
size_t RunSpecifiedBenchmarks(BenchmarkReporter* display,
                              BenchmarkReporter* file) {
  return run_specified(display, file, nullptr);
}
size_t RunSpecifiedBenchmarks(BenchmarkReporter* display,
                              BenchmarkReporter* file, std::string spec) {
  return run_specified(display, file, &spec);
}

namespace internal {

// Every registration macro, inline in the benchmark's own code, and
// RegisterBenchmark come through here.
Benchmark* RegisterBenchmarkInternal(Benchmark* family) {
  {
    std::lock_guard<std::mutex> lock(families_mu());
    families().push_back(Family{family, std::string()});
  }
  return MemtallyRealRegisterBenchmarkInternal(family);
}

}  // namespace internal
}  // namespace benchmark

namespace memtally {
namespace benchmark {

void Register(::benchmark::internal::Benchmark* family, const char* file,
              const char* root) {
  std::string path(file);
  size_t n = std::strlen(root);
  if (n && path.compare(0, n, root) == 0 && path.size() > n && path[n] == '/')
    path.erase(0, n + 1);
  while (path.compare(0, 2, "./") == 0) path.erase(0, 2);
  // The family was registered just before: search from the newest.
  std::lock_guard<std::mutex> lock(families_mu());
  std::vector<Family>& all = families();
  for (size_t i = all.size(); i-- > 0;) {
    if (all[i].benchmark == family) {
      all[i].file = path;
      return;
    }
  }
}

}  // namespace benchmark
}  // namespace memtally
