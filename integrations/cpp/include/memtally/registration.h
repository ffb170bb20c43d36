// Records which source file registered each google-benchmark family.
#ifndef MEMTALLY_REGISTRATION_H_
#define MEMTALLY_REGISTRATION_H_

// The project's source root, to which benchmark URIs are relative. The
// `benchmark` CMake package defines it as the top-level CMAKE_SOURCE_DIR,
// or as the CMake variable MEMTALLY_SOURCE_ROOT; without it, URIs carry
// the path the compiler was given.
#ifndef MEMTALLY_SOURCE_ROOT
#define MEMTALLY_SOURCE_ROOT ""
#endif

namespace benchmark {
namespace internal {
class Benchmark;
}
}  // namespace benchmark

namespace memtally {
namespace benchmark {

// Exported from libbenchmark, which is built with hidden visibility.
__attribute__((visibility("default"))) void Register(
    ::benchmark::internal::Benchmark* family, const char* file,
    const char* root);

// The registration macros initialise one of these from the family that
// RegisterBenchmarkInternal has just recorded. __builtin_FILE() in a default argument names the file of the
// macro's expansion, that is, the user's benchmark source.
struct Registration {
  Registration(::benchmark::internal::Benchmark* family,
               const char* file = __builtin_FILE()) {
    Register(family, file, MEMTALLY_SOURCE_ROOT);
  }
};

}  // namespace benchmark
}  // namespace memtally

#endif  // MEMTALLY_REGISTRATION_H_
