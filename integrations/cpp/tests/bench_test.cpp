// Benchmarks of every registration form memory mode supports. Each logs
// "<phase> <instance name> <CLOCK_MONOTONIC ns>" to $MEMTALLY_TEST_LOG, so
// that e2e.sh can check what ran, how often, and whether inside a window.
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

FILE* log_file() {
  static FILE* f = [] {
    const char* path = std::getenv("MEMTALLY_TEST_LOG");
    return std::fopen(path ? path : "/dev/null", "a");
  }();
  return f;
}

void log_phase(const char* phase, const std::string& name) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  std::fprintf(log_file(), "%s %s %lld\n", phase, name.c_str(),
               static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec);
  std::fflush(log_file());
}

std::string with_args(const char* name, const benchmark::State& state,
                      int nargs) {
  std::string s = name;
  for (int i = 0; i < nargs; i++) s += "/" + std::to_string(state.range(i));
  return s;
}

}  // namespace

static void BM_Empty(benchmark::State& state) {
  for (auto _ : state) {
  }
}
BENCHMARK(BM_Empty);

static void BM_Reserve(benchmark::State& state) {
  log_phase("setup", "BM_Reserve");
  for (auto _ : state) {
    log_phase("body", "BM_Reserve");
    std::vector<int> v;
    v.reserve(250);
    benchmark::DoNotOptimize(v.data());
  }
  log_phase("teardown", "BM_Reserve");
}
BENCHMARK(BM_Reserve);

static void BM_Concat(benchmark::State& state) {
  std::string name = with_args("BM_Concat", state, 1);
  log_phase("setup", name);
  for (auto _ : state) {
    log_phase("body", name);
    std::string s(static_cast<size_t>(state.range(0)), 'x');
    benchmark::DoNotOptimize(s += s);
  }
}
BENCHMARK(BM_Concat)->Arg(8)->Arg(64);

static void BM_Range(benchmark::State& state) {
  std::string name = with_args("BM_Range", state, 1);
  for (auto _ : state) log_phase("body", name);
}
BENCHMARK(BM_Range)->Range(8, 64);

static void BM_Args(benchmark::State& state) {
  std::string name = with_args("BM_Args", state, 2);
  for (auto _ : state) log_phase("body", name);
}
BENCHMARK(BM_Args)->Args({1, 2})->Ranges({{3, 4}, {5, 5}});

static void BM_Product(benchmark::State& state) {
  std::string name = with_args("BM_Product", state, 2);
  for (auto _ : state) log_phase("body", name);
}
BENCHMARK(BM_Product)->ArgsProduct({{1, 2}, {7}});

template <typename T>
static void BM_Template(benchmark::State& state) {
  std::string name = with_args("BM_Template<int>", state, 1);
  for (auto _ : state) log_phase("body", name);
}
BENCHMARK_TEMPLATE(BM_Template, int)->Arg(4);

static void BM_KeepRunning(benchmark::State& state) {
  while (state.KeepRunning()) log_phase("body", "BM_KeepRunning");
}
BENCHMARK(BM_KeepRunning);

static void BM_Named(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "custom_name");
}
BENCHMARK(BM_Named)->Name("custom_name");

static void BM_Iterations(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "BM_Iterations/iterations:50");
}
BENCHMARK(BM_Iterations)->Iterations(50);

static void BM_Paused(benchmark::State& state) {
  for (auto _ : state) {
    log_phase("body", "BM_Paused");
    state.PauseTiming();
    log_phase("paused", "BM_Paused");
    std::vector<int> input(1000, 1);
    state.ResumeTiming();
    log_phase("body", "BM_Paused");
    benchmark::DoNotOptimize(input.data());
  }
}
BENCHMARK(BM_Paused);

// Allocates on its first call only, as a lazily built table does: nothing
// once warm, the table (its vector and the vector's 1000 ints) cold.
static void BM_LazyStatic(benchmark::State& state) {
  for (auto _ : state) {
    log_phase("body", "BM_LazyStatic");
    static const std::vector<int>* table = new std::vector<int>(1000, 1);
    benchmark::DoNotOptimize(table->data());
  }
}
BENCHMARK(BM_LazyStatic);

class Fix : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State&) override {
    log_phase("setup", "Fix");
    data_.assign(100, 1);
  }
  void TearDown(const benchmark::State&) override {
    log_phase("teardown", "Fix");
    data_.clear();
    data_.shrink_to_fit();
  }

 protected:
  std::vector<int> data_;
};

BENCHMARK_F(Fix, Fill)(benchmark::State& state) {
  for (auto _ : state) {
    log_phase("body", "Fix/Fill");
    benchmark::DoNotOptimize(data_.data());
  }
}

BENCHMARK_DEFINE_F(Fix, Sized)(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "Fix/Sized/16");
}
BENCHMARK_REGISTER_F(Fix, Sized)->Arg(16);

static void BM_Threads(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "BM_Threads/threads:2");
}
BENCHMARK(BM_Threads)->Threads(2);

template <class... Extra>
static void BM_Capture(benchmark::State& state, Extra&&... extra) {
  int n = 0;
  for (int x : {extra...}) n += x;
  for (auto _ : state) log_phase("body", "BM_Capture/small");
  benchmark::DoNotOptimize(n);
}
BENCHMARK_CAPTURE(BM_Capture, small, 1, 2);

// Gives up before its loop: it gets no window, and the instances after it
// keep their own URIs.
static void BM_SkipBeforeLoop(benchmark::State& state) {
  state.SkipWithError("skipped on purpose");
}
BENCHMARK(BM_SkipBeforeLoop);

template <typename T>
class TFix : public benchmark::Fixture {};
BENCHMARK_TEMPLATE_F(TFix, Build, long)(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "TFix<long>/Build");
}

// Registered without a macro, so no file is known.
static void BM_Runtime(benchmark::State& state) {
  for (auto _ : state) log_phase("body", "BM_Runtime");
}
static benchmark::internal::Benchmark* runtime_registration =
    benchmark::RegisterBenchmark("BM_Runtime", BM_Runtime);
