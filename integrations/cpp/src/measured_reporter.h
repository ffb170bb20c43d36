// A reporter that passes on only the runs of the measured call, when each
// benchmark instance runs its warm-up calls as repetitions before it (see
// hooks.cc): the warm-up repetitions, and the statistics over all of them,
// are not the instance's.
#ifndef MEMTALLY_MEASURED_REPORTER_H
#define MEMTALLY_MEASURED_REPORTER_H

#include <benchmark/benchmark.h>

#include <vector>

namespace memtally {
namespace benchmark {

using ::benchmark::BenchmarkReporter;

// The runs of a report that belong to the measured call: its last
// repetition, and the complexity fits (BigO, RMS), which have no
// repetition. The warm-up repetitions, and the statistics over all of them,
// are not the instance's.
inline std::vector<BenchmarkReporter::Run> measured(
    const std::vector<BenchmarkReporter::Run>& runs) {
  std::vector<BenchmarkReporter::Run> kept;
  for (const BenchmarkReporter::Run& run : runs) {
    if (run.run_type == BenchmarkReporter::Run::RT_Iteration
            ? run.repetition_index == run.repetitions - 1
            : run.aggregate_name == "BigO" || run.aggregate_name == "RMS")
      kept.push_back(run);
  }
  return kept;
}

// Passes the measured runs of every report on to a reporter of the user's.
class Measured : public BenchmarkReporter {
 public:
  explicit Measured(BenchmarkReporter* inner) : inner_(inner) {
    SetOutputStream(&inner->GetOutputStream());
    SetErrorStream(&inner->GetErrorStream());
  }
  bool ReportContext(const Context& context) override {
    // google-benchmark points a file reporter's streams at the
    // --benchmark_out file, through this wrapper: it is the inner one's.
    inner_->SetOutputStream(&GetOutputStream());
    inner_->SetErrorStream(&GetErrorStream());
    return inner_->ReportContext(context);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    std::vector<Run> kept = measured(runs);
    if (!kept.empty()) inner_->ReportRuns(kept);
    Reported(kept);
  }
  void Finalize() override { inner_->Finalize(); }

 protected:
  virtual void Reported(const std::vector<Run>&) {}

 private:
  BenchmarkReporter* inner_;
};

}  // namespace benchmark
}  // namespace memtally

#endif
